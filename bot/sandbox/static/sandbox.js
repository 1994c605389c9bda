// The sandbox page: plays Slack for the bot. It shows what the bot's Web API calls made (read
// from /sandbox/state) and sends what a person does to /sandbox/*, which signs it as Slack
// does and posts it to the unchanged bot. No framework, no build step.
"use strict";

const EMOJI = {
  airplane: "✈️", alarm_clock: "⏰", bar_chart: "📊", beach_with_umbrella: "🏖️", bulb: "💡",
  bust_in_silhouette: "👤", calendar: "📆", dart: "🎯", gear: "⚙️", heavy_minus_sign: "➖",
  hourglass_flowing_sand: "⏳", inbox_tray: "📥", large_blue_circle: "🔵",
  large_green_circle: "🟢", large_yellow_circle: "🟡", no_entry: "⛔", palm_tree: "🌴",
  red_circle: "🔴", rotating_light: "🚨", spiral_calendar_pad: "🗓️", tada: "🎉",
  thinking_face: "🤔", triangular_flag_on_post: "🚩", warning: "⚠️", white_check_mark: "✅",
  wave: "👋", memo: "📝", clipboard: "📋", x: "❌", heavy_check_mark: "✔️", eyes: "👀",
};

const page = {
  setup: null,
  me: null,
  place: null, // a channel id, "dm" or "home"
  thread: null, // {channel, ts}
  state: null,
  version: -1,
  shownModal: null, // JSON of the modal on screen, to keep what is typed while it is unchanged
  poller: null,
};

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ------------------------------------------------------------------ people, places, time
function person(id) {
  return page.setup.people.find((p) => p.id === id);
}

function channelName(id) {
  const channel = page.setup.channels.find((c) => c.id === id);
  return channel ? channel.name : id;
}

function zone() {
  return person(page.me).tz;
}

function sandboxNow() {
  return page.state ? new Date(page.state.now) : new Date();
}

function formatMoment(date, options) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone(), ...options }).format(date);
}

function dayKey(date) {
  return formatMoment(date, { year: "numeric", month: "2-digit", day: "2-digit" });
}

function ordinal(day) {
  const n = Number(day);
  const suffix = n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd"
    : n % 10 === 3 && n !== 13 ? "rd" : "th";
  return `${n}${suffix}`;
}

// <!date^…^{token}…|fallback>, in the reader's time zone, as Slack writes them.
function slackDate(seconds, format) {
  const date = new Date(Number(seconds) * 1000);
  const en = (options) => new Intl.DateTimeFormat("en-US", { timeZone: zone(), ...options })
    .format(date);
  const day = en({ day: "numeric" });
  const relative = () => {
    const today = sandboxNow();
    const offsets = { Today: 0, Tomorrow: 1, Yesterday: -1 };
    for (const [word, offset] of Object.entries(offsets)) {
      if (dayKey(new Date(today.getTime() + offset * 86400000)) === dayKey(date)) return word;
    }
    return null;
  };
  const tokens = {
    date_num: () => formatMoment(date, { year: "numeric", month: "2-digit", day: "2-digit" })
      .split("/").reverse().join("-"),
    date: () => `${en({ month: "long" })} ${ordinal(day)}, ${en({ year: "numeric" })}`,
    date_short: () => `${en({ month: "short" })} ${day}, ${en({ year: "numeric" })}`,
    date_long: () => `${en({ weekday: "long" })}, ${en({ month: "long" })} ${ordinal(day)}, ${en({ year: "numeric" })}`,
    time: () => formatMoment(date, { hour: "2-digit", minute: "2-digit" }),
  };
  for (const base of ["date", "date_short", "date_long"]) {
    tokens[`${base}_pretty`] = () => relative() || tokens[base]();
  }
  return format.replace(/\{(\w+)\}/g, (whole, token) => (tokens[token] ? tokens[token]() : whole));
}

// ------------------------------------------------------------------ mrkdwn
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

// Slack's markup (<@U>, <#C>, <!date…>, <url|label>) first, kept aside as placeholders; then
// the formatting of what is left, escaped.
function mrkdwn(text, { plain = false } = {}) {
  const tokens = [];
  const keep = (html) => `\u0000${tokens.push(html) - 1}\u0000`;
  let source = String(text || "").replace(/<([^<>]+)>/g, (whole, inner) => {
    const [target, label] = inner.split("|", 2);
    if (target.startsWith("@")) {
      const who = person(target.slice(1));
      const name = who ? who.name : label || target.slice(1);
      return keep(`<span class="mention">@${escapeHtml(name)}</span>`);
    }
    if (target.startsWith("#")) {
      return keep(`<span class="mention">#${escapeHtml(label || channelName(target.slice(1)))}</span>`);
    }
    if (target.startsWith("!date^")) {
      const [, seconds, format] = target.split("^");
      return keep(`<span class="date" data-ts="${escapeHtml(seconds)}">${escapeHtml(slackDate(seconds, format || "{date}"))}</span>`);
    }
    if (target.startsWith("!")) {
      return keep(`<span class="mention">@${escapeHtml(target.slice(1).split("^")[0])}</span>`);
    }
    if (/^(https?:|mailto:)/.test(target)) {
      const shown = escapeHtml(unescapeSlack(label || target));
      return keep(`<a href="${escapeHtml(unescapeSlack(target))}" target="_blank" rel="noopener">${shown}</a>`);
    }
    return whole;
  });
  source = escapeHtml(unescapeSlack(source));
  if (!plain) {
    source = source.replace(/```([\s\S]+?)```/g, (whole, code) => keep(`<pre>${code}</pre>`));
    source = source.replace(/`([^`\n]+)`/g, (whole, code) => keep(`<code>${code}</code>`));
    source = source.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1<b>$2</b>");
    source = source.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, "$1<i>$2</i>");
    source = source.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, "$1<s>$2</s>");
    source = source.replace(/^&gt; ?(.*)$/gm, '<blockquote>$1</blockquote>');
  }
  source = emoji(source).replace(/\n/g, "<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  return source.replace(/\u0000(\d+)\u0000/g, (whole, index) => tokens[Number(index)]);
}

function textObject(object) {
  if (!object) return el("span");
  if (object.type === "mrkdwn") return el("span", { class: "mrkdwn", html: mrkdwn(object.text) });
  return el("span", { class: "plain", html: object.emoji === false ? escapeHtml(object.text) : emoji(escapeHtml(object.text)) });
}

function plainText(object) {
  return object ? object.text : "";
}

// ------------------------------------------------------------------ blocks
// `where` says what a block belongs to: {message, channel, ephemeral} or {view}.
function renderBlocks(blocks, where) {
  return el("div", { class: "blocks" }, (blocks || []).map((block, index) => renderBlock(block, index, where)));
}

function renderBlock(block, index, where) {
  const blockId = block.block_id || `b${index}`;
  const node = el("div", { class: `block block-${block.type}`, "data-block-id": blockId });
  switch (block.type) {
    case "section": {
      const body = el("div", { class: "section-body" });
      if (block.text) body.append(textObject(block.text));
      if (block.fields) {
        body.append(el("div", { class: "fields" }, block.fields.map((f) => el("div", { class: "field" }, textObject(f)))));
      }
      node.append(body);
      if (block.accessory) node.append(renderElement(block.accessory, blockId, where));
      break;
    }
    case "context":
      node.append(...block.elements.map((e) => (e.type === "image"
        ? el("img", { src: e.image_url, alt: e.alt_text, class: "context-image" })
        : textObject(e))));
      break;
    case "header":
      node.append(el("h3", {}, textObject(block.text)));
      break;
    case "divider":
      node.append(el("hr"));
      break;
    case "image":
      node.append(el("img", { src: block.image_url, alt: block.alt_text }));
      break;
    case "actions":
      node.append(...block.elements.map((e) => renderElement(e, blockId, where)));
      break;
    case "input": {
      const label = el("label", { class: "input-label" }, plainText(block.label),
        block.optional ? el("span", { class: "optional" }, " (optional)") : null);
      node.append(label, renderElement(block.element, blockId, where, { input: true }));
      if (block.hint) node.append(el("div", { class: "hint" }, plainText(block.hint)));
      node.append(el("div", { class: "error", hidden: true }));
      break;
    }
    default:
      node.append(el("div", { class: "unknown" }, `(a ${block.type} block the sandbox does not draw)`));
  }
  return node;
}

function optionNode(option, selected) {
  return el("option", { value: option.value, selected: selected || undefined }, plainText(option.text));
}

function isSelected(element, option) {
  const chosen = element.initial_options || (element.initial_option ? [element.initial_option] : []);
  return chosen.some((c) => c.value === option.value);
}

function renderElement(element, blockId, where, { input = false } = {}) {
  const common = {
    "data-action-id": element.action_id,
    "data-block-id": blockId,
    "data-type": element.type,
    class: `element element-${element.type}`,
  };
  const act = (payload) => (input ? null : sendAction(where, { action_id: element.action_id, block_id: blockId, type: element.type, ...payload }));
  switch (element.type) {
    case "button":
      return el("button", {
        ...common, type: "button", class: `${common.class} ${element.style || ""}`,
        onclick: () => (element.url ? window.open(element.url, "_blank") : act({ value: element.value, text: element.text })),
      }, textObject(element.text));
    case "static_select":
    case "multi_static_select": {
      const multiple = element.type.startsWith("multi");
      const options = element.option_groups ? element.option_groups.flatMap((g) => g.options) : element.options;
      const select = el("select", { ...common, multiple, placeholder: multiple ? plainText(element.placeholder) || undefined : undefined, onchange: () => act(selectState(select, element)) },
        multiple ? null : el("option", { value: "" }, plainText(element.placeholder) || "Choose…"),
        options.map((o) => optionNode(o, isSelected(element, o))));
      select.optionsData = options;
      return select;
    }
    case "external_select":
    case "multi_external_select":
      return externalSelect(element, blockId, where, common, act);
    case "users_select":
    case "multi_users_select": {
      const multiple = element.type.startsWith("multi");
      const initial = element.initial_users || (element.initial_user ? [element.initial_user] : []);
      const select = el("select", { ...common, multiple, onchange: () => act(selectState(select, element)) },
        multiple ? null : el("option", { value: "" }, plainText(element.placeholder) || "Choose someone…"),
        page.setup.people.map((p) => el("option", { value: p.id, selected: initial.includes(p.id) || undefined }, p.name)));
      return select;
    }
    case "conversations_select":
    case "channels_select":
    case "multi_conversations_select":
    case "multi_channels_select": {
      const multiple = element.type.startsWith("multi");
      const initial = [element.initial_conversation, element.initial_channel,
        ...(element.initial_conversations || []), ...(element.initial_channels || [])].filter(Boolean);
      const select = el("select", { ...common, multiple, onchange: () => act(selectState(select, element)) },
        multiple ? null : el("option", { value: "" }, plainText(element.placeholder) || "Choose a channel…"),
        page.setup.channels.map((c) => el("option", { value: c.id, selected: initial.includes(c.id) || undefined }, `#${c.name}`)));
      return select;
    }
    case "datepicker": {
      const picker = el("input", { ...common, type: "date", value: element.initial_date || "", onchange: () => act({ selected_date: picker.value || null }) });
      return picker;
    }
    case "plain_text_input": {
      const attributes = {
        ...common, placeholder: plainText(element.placeholder) || undefined,
        maxlength: element.max_length, minlength: element.min_length,
      };
      const field = element.multiline ? el("textarea", attributes) : el("input", { ...attributes, type: "text" });
      field.value = element.initial_value || "";
      return field;
    }
    case "checkboxes":
    case "radio_buttons": {
      const kind = element.type === "checkboxes" ? "checkbox" : "radio";
      const group = el("div", { ...common, role: "group" });
      group.optionsData = element.options;
      element.options.forEach((o, i) => {
        const box = el("input", { type: kind, name: `${blockId}-${element.action_id}`, value: o.value, checked: isSelected(element, o) || undefined, onchange: () => act(selectState(group, element)) });
        group.append(el("label", { class: "choice" }, box, textObject(o.text),
          o.description ? el("span", { class: "hint" }, " ", plainText(o.description)) : null));
        if (i === 0 && kind === "radio") box.dataset.first = "1";
      });
      return group;
    }
    case "overflow": {
      const select = el("select", { ...common, onchange: () => act({ selected_option: element.options.find((o) => o.value === select.value) }) },
        el("option", { value: "" }, "⋯"), element.options.map((o) => optionNode(o, false)));
      return select;
    }
    default:
      return el("span", { class: "unknown" }, `(a ${element.type} the sandbox does not draw)`);
  }
}

// An external select: a search box whose options come from the bot's options listener.
function externalSelect(element, blockId, where, common, act) {
  const multiple = element.type.startsWith("multi");
  const initial = element.initial_options || (element.initial_option ? [element.initial_option] : []);
  const select = el("select", { ...common, multiple, title: plainText(element.placeholder) || undefined, onchange: () => act(selectState(select, element)) },
    multiple ? null : el("option", { value: "" }, "—"), initial.map((o) => optionNode(o, true)));
  select.optionsData = [...initial];
  const search = el("input", {
    type: "search", class: "external-search", placeholder: plainText(element.placeholder) || "Type to search…",
    "data-search-for": element.action_id,
  });
  let timer = null;
  const load = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const answer = await post("options", {
        view_id: where.view && where.view.id, action_id: element.action_id, block_id: blockId,
        value: search.value, values: where.view ? collectValues() : {},
      });
      const loaded = answer.options || (answer.option_groups || []).flatMap((g) => g.options);
      const chosen = [...select.selectedOptions].map((o) => o.value);
      const keep = select.optionsData.filter((o) => chosen.includes(o.value));
      select.optionsData = [...keep, ...loaded.filter((o) => !chosen.includes(o.value))];
      select.replaceChildren(multiple ? "" : el("option", { value: "" }, "—"),
        ...select.optionsData.map((o) => optionNode(o, chosen.includes(o.value))));
      select.dataset.loaded = String(loaded.length);
    }, 150);
  };
  search.addEventListener("input", load);
  search.addEventListener("focus", load);
  return el("div", { class: "external" }, search, select);
}

// The state Slack sends for an element: in view_submission values and block_actions alike.
function selectState(node, element) {
  const type = element.type;
  const chosen = node.tagName === "SELECT"
    ? [...node.selectedOptions].map((o) => o.value).filter(Boolean)
    : [...node.querySelectorAll("input:checked")].map((i) => i.value);
  const options = (node.optionsData || []).filter((o) => chosen.includes(o.value));
  if (type === "users_select") return { selected_user: chosen[0] || null };
  if (type === "multi_users_select") return { selected_users: chosen };
  if (type === "conversations_select") return { selected_conversation: chosen[0] || null };
  if (type === "multi_conversations_select") return { selected_conversations: chosen };
  if (type === "channels_select") return { selected_channel: chosen[0] || null };
  if (type === "multi_channels_select") return { selected_channels: chosen };
  if (type.startsWith("multi") || type === "checkboxes") return { selected_options: options };
  return { selected_option: options[0] || null };
}

function elementState(node) {
  const type = node.dataset.type;
  const element = { type };
  if (type === "plain_text_input") return { type, value: node.value === "" ? null : node.value };
  if (type === "datepicker") return { type, selected_date: node.value || null };
  return { type, ...selectState(node, element) };
}

// The modal's state.values: {block_id: {action_id: state}}.
function collectValues() {
  const values = {};
  for (const node of document.querySelectorAll("#modal [data-action-id]")) {
    if (node.dataset.type === "button") continue;
    const block = node.dataset.blockId;
    values[block] = values[block] || {};
    values[block][node.dataset.actionId] = elementState(node);
  }
  return values;
}

// A command's text as Slack sends it with should_escape: &, < and > escaped, @Name and
// #channel made mentions.
function escapeCommand(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/(^|\s)@([A-Za-z]+)/g, (whole, space, name) => {
      const who = page.setup.people.find((p) => p.name.split(" ")[0].toLowerCase() === name.toLowerCase());
      return who ? `${space}<@${who.id}|${name.toLowerCase()}>` : whole;
    })
    .replace(/(^|\s)#([a-z0-9_-]+)/g, (whole, space, name) => {
      const channel = page.setup.channels.find((c) => c.name === name);
      return channel ? `${space}<#${channel.id}|${name}>` : whole;
    });
}

// ------------------------------------------------------------------ talking to the sandbox
async function post(name, body) {
  const response = await fetch(`/sandbox/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: page.me, ...body }),
  });
  const answer = await response.json();
  if (!response.ok || (answer.status && answer.status !== 200)) {
    toast(`The bot answered ${answer.status || response.status}${answer.error ? `: ${answer.error}` : ""}`);
  }
  return answer;
}

function sendAction(where, action) {
  if (where.view) {
    const values = where.view.type === "modal" ? collectValues() : {};
    return post("action", { view_id: where.view.id, values, action });
  }
  return post("action", { channel: where.channel, ts: where.message.ts, ephemeral: Boolean(where.message.only), action });
}

function toast(text) {
  const node = $("#toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

// ------------------------------------------------------------------ drawing the page
function conversationId() {
  if (page.place === "dm" || page.place === "home") return `D${page.me}`;
  return page.place;
}

function renderMessage(message, channel, { inThread = false } = {}) {
  const author = message.only ? "Milestones" : message.user === "UBOT" || message.bot_id ? "Milestones" : (person(message.user) || {}).name || message.user;
  const when = formatMoment(new Date(Number(message.ts) * 1000), { hour: "2-digit", minute: "2-digit" });
  const where = { message, channel };
  const node = el("article", {
    class: `message${message.only ? " ephemeral" : ""}`, "data-ts": message.ts,
    "data-testid": message.only ? "ephemeral" : "message",
  },
  el("div", { class: "avatar" }, "🎯"),
  el("div", { class: "message-main" },
    el("div", { class: "message-meta" }, el("b", {}, author), el("span", { class: "app-badge" }, "APP"), el("span", { class: "time" }, when),
      message.edited ? el("span", { class: "edited" }, "(edited)") : null),
    message.blocks && message.blocks.length ? renderBlocks(message.blocks, where)
      : message.text || !message.files ? el("div", { class: "mrkdwn", html: mrkdwn(message.text) }) : null,
    message.files ? el("div", { class: "files" }, message.files.map(renderFile)) : null,
    message.only ? el("div", { class: "only-you" }, "👁 Only visible to you") : null,
    !inThread && message.replies && message.replies.length
      ? el("a", { href: "#", class: "replies", "data-testid": "replies", onclick: (e) => { e.preventDefault(); page.thread = { channel, ts: message.ts }; draw(); } },
        `${message.replies.length} ${message.replies.length === 1 ? "reply" : "replies"}`)
      : null));
  return node;
}

// A file the bot shared: an image is shown, anything else is a link that downloads it.
function renderFile(file) {
  if (file.mimetype.startsWith("image/")) {
    return el("a", { href: file.url_private, target: "_blank", rel: "noopener", class: "file file-image", "data-testid": "file" },
      el("img", { src: file.url_private, alt: file.alt_text || file.title, title: file.title }));
  }
  return el("a", { href: file.url_private, download: file.name, class: "file file-download", "data-testid": "file" },
    el("span", { class: "file-icon" }, "📄"), el("span", { class: "file-name" }, file.name),
    el("span", { class: "file-size" }, fileSize(file.size)));
}

function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function drawSidebar() {
  // The links are made once and kept: one replaced while it is being clicked (news from the
  // sandbox redraws the page) would lose the click.
  const nav = $("#channels");
  if (nav.children.length !== page.setup.channels.length) {
    nav.replaceChildren(...page.setup.channels.map((c) => el("a", { href: "#", "data-place": c.id }, `# ${c.name}`)));
  }
  for (const link of document.querySelectorAll("#channels a, #apps a")) {
    link.classList.toggle("active", link.dataset.place === page.place);
  }
  $("#now").textContent = `${formatMoment(sandboxNow(), { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })} (${zone()})`;
}

function drawRefusals() {
  const box = $("#refusals");
  const refusals = (page.state && page.state.refusals) || [];
  box.hidden = refusals.length === 0;
  box.replaceChildren(...refusals.map((r) => el("div", { class: "refusal", "data-testid": "refusal" },
    el("b", {}, `Slack would refuse this ${r.method} (${r.error}):`), " ", r.problems.join("; "))));
}

function drawMessages() {
  const home = page.place === "home";
  $("#home").hidden = !home;
  $("#messages").hidden = home;
  $("#composer").hidden = home;
  if (home) {
    const view = page.state.home;
    $("#home").replaceChildren(view ? renderBlocks(view.blocks, { view }) : el("p", { class: "hint" }, "Opening the App Home…"));
    $("#place-title").textContent = "🏠 Milestones · Home";
    return;
  }
  const id = conversationId();
  $("#place-title").textContent = page.place === "dm" ? "💬 Milestones · direct messages" : `# ${channelName(id)}`;
  const messages = page.state.conversations[id] || [];
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (messages.length) keepDrawn(list, messages.map((m) => [`${page.me} ${id} ${JSON.stringify(m)}`, () => renderMessage(m, id)]));
  else list.replaceChildren(el("p", { class: "hint" }, "No messages yet. Type /milestone help below."));
  if (atBottom) {
    list.scrollTop = list.scrollHeight;
    // A picture still loading grows the list: keep its end in view once it is drawn.
    for (const image of list.querySelectorAll("img")) {
      if (!image.complete) image.addEventListener("load", () => { list.scrollTop = list.scrollHeight; }, { once: true });
    }
  }
  $("#composer-input").placeholder = page.place === "dm" ? "/milestone list" : `/milestone add "Beta ready" due next friday — in #${channelName(id)}`;
}

// Draws `items` ([key, make] pairs, in order) in `parent`, keeping the nodes already drawn
// for the same keys where they are: a message that did not change is not replaced while
// someone clicks one of its buttons (a replaced node loses the click).
function keepDrawn(parent, items) {
  const drawn = new Map();
  for (const node of parent.children) if (node.dataset.key) drawn.set(node.dataset.key, node);
  const nodes = items.map(([key, make]) => {
    const node = drawn.get(key) || make();
    node.dataset.key = key;
    return node;
  });
  nodes.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

function drawThread() {
  const pane = $("#thread");
  if (!page.thread) { pane.hidden = true; return; }
  const messages = page.state.conversations[page.thread.channel] || [];
  const parent = messages.find((m) => m.ts === page.thread.ts);
  pane.hidden = !parent;
  if (!parent) return;
  $("#thread-messages").replaceChildren(renderMessage(parent, page.thread.channel, { inThread: true }), el("hr"),
    ...parent.replies.map((m) => renderMessage(m, page.thread.channel, { inThread: true })));
}

function drawModal() {
  const view = page.state.modal;
  const shown = view ? JSON.stringify(view) : null;
  if (shown === page.shownModal) return;
  page.shownModal = shown;
  $("#modal-backdrop").hidden = !view;
  if (!view) { $("#modal").replaceChildren(); return; }
  const form = $("#modal");
  form.dataset.viewId = view.id;
  form.replaceChildren(
    el("header", {}, el("h2", {}, textObject(view.title)), el("button", { type: "button", class: "close-x", "aria-label": "Close", onclick: closeModal }, "✕")),
    el("div", { class: "modal-body" }, renderBlocks(view.blocks, { view })),
    el("footer", {},
      el("button", { type: "button", class: "secondary", onclick: closeModal }, plainText(view.close) || "Cancel"),
      view.submit ? el("button", { type: "submit", class: "primary" }, plainText(view.submit)) : null));
}

function draw() {
  if (!page.state) return;
  drawSidebar();
  drawRefusals();
  drawMessages();
  drawThread();
  drawModal();
}

async function closeModal() {
  await post("close", { view_id: $("#modal").dataset.viewId });
}

async function submitModal(event) {
  event.preventDefault();
  const form = $("#modal");
  for (const error of form.querySelectorAll(".error")) { error.hidden = true; error.textContent = ""; }
  const answer = await post("submit", { view_id: form.dataset.viewId, values: collectValues() });
  if (answer.errors) {
    for (const [blockId, message] of Object.entries(answer.errors)) {
      const error = form.querySelector(`[data-block-id="${CSS.escape(blockId)}"] > .error`);
      if (error) { error.textContent = message; error.hidden = false; }
      else toast(message);
    }
  }
}

// ------------------------------------------------------------------ news from the sandbox
async function poll() {
  const me = page.me;
  const controller = new AbortController();
  page.poller = controller;
  while (page.poller === controller) {
    try {
      const response = await fetch(`/sandbox/state?as=${encodeURIComponent(me)}&since=${page.version}`, { signal: controller.signal });
      const state = await response.json();
      if (page.poller !== controller) return;
      page.state = state;
      page.version = state.version;
      draw();
    } catch (error) {
      if (page.poller !== controller) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function restartPolling() {
  if (page.poller) page.poller.abort();
  page.poller = null;
  page.version = -1;
  page.shownModal = null;
  poll();
}

function go(place) {
  page.place = place;
  page.thread = null;
  if (place === "home") post("home", {});
  draw();
}

async function start() {
  page.setup = await (await fetch("/sandbox/setup")).json();
  const asked = new URLSearchParams(location.search).get("as");
  page.me = person(asked) ? asked : localStorage.getItem("sandbox-person") || page.setup.people[0].id;
  if (!person(page.me)) page.me = page.setup.people[0].id;
  page.place = page.setup.channels[0].id;
  const switcher = $("#person");
  switcher.replaceChildren(...page.setup.people.map((p) => el("option", { value: p.id, selected: p.id === page.me || undefined }, `${p.name} · ${p.tz}`)));
  switcher.addEventListener("change", () => {
    page.me = switcher.value;
    localStorage.setItem("sandbox-person", page.me);
    page.thread = null;
    restartPolling();
    if (page.place === "home") post("home", {});
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-place]");
    if (link) { event.preventDefault(); go(link.dataset.place); }
  });
  for (const button of document.querySelectorAll("[data-clock]")) {
    button.addEventListener("click", async () => {
      for (const b of document.querySelectorAll("[data-clock]")) b.disabled = true;
      $("#now").textContent = "running the sweeps…";
      try { await post("clock", { to: button.dataset.clock }); } finally {
        for (const b of document.querySelectorAll("[data-clock]")) b.disabled = false;
      }
    });
  }
  $("#composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#composer-input");
    const text = input.value.trim();
    if (!text) return;
    const match = text.match(/^\/milestone\b\s*([\s\S]*)$/);
    if (!match) { toast("Only /milestone commands reach the bot here, as in Slack."); return; }
    input.value = "";
    await post("command", { channel: conversationId(), text: escapeCommand(match[1]) });
  });
  $("#modal").addEventListener("submit", submitModal);
  $("#close-thread").addEventListener("click", () => { page.thread = null; draw(); });
  poll();
}

start();
