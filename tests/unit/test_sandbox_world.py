"""The sandbox's Slack Web API core and the workspace it keeps, without HTTP: what each call
makes each person see, and what Slack would refuse."""

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from bot.sandbox.server import next_monday_morning
from bot.sandbox.slackapi import SlackAPI
from bot.sandbox.world import FILES_PATH, Target, World

ALEX, SAM = "U0ALEX", "U0SAM"
LAUNCH = "C0LAUNCH"


def call(api: SlackAPI, method: str, **params) -> dict:
    body = json.dumps(params).encode()
    status, answer, _ = api.handle(
        "POST", f"/api/{method}", "", body, {"content-type": "application/json"}
    )
    assert status == 200
    return answer


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def world() -> tuple[SlackAPI, World]:
    api = SlackAPI(enforce_limits=True)
    return api, World(api)


def test_posts_updates_and_replies_make_a_channel_with_threads():
    api, place = world()
    card = call(api, "chat.postMessage", channel=LAUNCH, text="card", blocks=[section("M-1")])
    call(api, "chat.postMessage", channel=LAUNCH, text="yay", thread_ts=card["ts"])
    call(api, "chat.update", channel=LAUNCH, ts=card["ts"], text="card", blocks=[section("done")])

    [shown] = place.seen_by(ALEX)["conversations"][LAUNCH]
    assert shown["blocks"] == [section("done")] and shown["edited"]
    assert [reply["text"] for reply in shown["replies"]] == ["yay"]


def test_an_ephemeral_message_is_seen_by_its_person_only():
    api, place = world()
    call(api, "chat.postEphemeral", channel=LAUNCH, user=ALEX, text="psst", blocks=[])
    assert [m["text"] for m in place.seen_by(ALEX)["conversations"][LAUNCH]] == ["psst"]
    assert place.seen_by(SAM)["conversations"][LAUNCH] == []


def test_direct_messages_go_to_the_persons_conversation_with_the_bot():
    api, place = world()
    channel = call(api, "conversations.open", users=SAM)["channel"]["id"]
    call(api, "chat.postMessage", channel=channel, text="approve?")
    assert [m["text"] for m in place.seen_by(SAM)["conversations"]["DU0SAM"]] == ["approve?"]
    assert place.seen_by(ALEX)["conversations"]["DU0ALEX"] == []


def test_a_modal_opens_for_whoever_triggered_it_and_the_home_for_its_person():
    api, place = world()
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New"}, "blocks": []}
    call(api, "views.open", trigger_id=place.trigger(SAM), view=modal)
    call(api, "views.publish", user_id=ALEX, view={"type": "home", "blocks": [section("hi")]})

    assert place.seen_by(SAM)["modal"]["title"]["text"] == "New"
    assert place.seen_by(ALEX)["modal"] is None
    assert place.seen_by(ALEX)["home"]["blocks"] == [section("hi")]


def test_response_urls_answer_privately_replace_the_original_or_post_in_channel():
    api, place = world()
    card = call(api, "chat.postMessage", channel=LAUNCH, text="card", blocks=[section("old")])
    private = place.response_url(Target(ALEX, LAUNCH))
    pressed = place.response_url(Target(ALEX, LAUNCH, card["ts"]))
    for url, body in [
        (private, {"text": "only you"}),
        (pressed, {"replace_original": True, "text": "new", "blocks": [section("new")]}),
        (private, {"response_type": "in_channel", "text": "everyone"}),
    ]:
        path = url.split("127.0.0.1", 1)[1]
        api.handle(
            "POST", path, "", json.dumps(body).encode(), {"content-type": "application/json"}
        )

    for_alex = place.seen_by(ALEX)["conversations"][LAUNCH]
    assert [m["text"] for m in for_alex] == ["new", "only you", "everyone"]
    assert [m["text"] for m in place.seen_by(SAM)["conversations"][LAUNCH]] == [
        "new",
        "everyone",
    ]


def test_a_message_slack_would_refuse_is_refused_and_kept_for_the_page():
    api, place = world()
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    answer = call(api, "chat.postMessage", channel=LAUNCH, text="long", blocks=[header])

    assert answer["ok"] is False and answer["error"] == "invalid_blocks"
    assert "151 characters, over 150" in answer["response_metadata"]["messages"][0]
    assert place.seen_by(ALEX)["conversations"][LAUNCH] == []
    [refusal] = place.seen_by(ALEX)["refusals"]
    assert refusal["method"] == "chat.postMessage" and refusal["channel_id"] == LAUNCH


def test_the_tests_fake_does_not_refuse_unless_asked():
    lenient = SlackAPI()
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    assert call(lenient, "chat.postMessage", channel=LAUNCH, text="t", blocks=[header])["ok"]


def test_form_encoded_calls_are_read_as_the_web_client_sends_them():
    api, place = world()
    body = urlencode({"channel": LAUNCH, "text": "hi", "blocks": json.dumps([section("hi")])})
    status, answer, _ = api.handle(
        "POST",
        "/api/chat.postMessage",
        "",
        body.encode(),
        {"content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 200 and answer["message"]["blocks"] == [section("hi")]


def test_message_timestamps_follow_the_clock_when_given_one():
    api = SlackAPI(clock=lambda: 1_800_000_000.0)
    first = call(api, "chat.postMessage", channel=LAUNCH, text="a")["ts"]
    second = call(api, "chat.postMessage", channel=LAUNCH, text="b")["ts"]
    assert first.startswith("1800000000.") and float(second) > float(first)


def test_next_monday_morning():
    thursday = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    monday_early = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    monday_late = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert next_monday_morning(thursday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert next_monday_morning(monday_early) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert next_monday_morning(monday_late) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def upload(api: SlackAPI, name: str, content: bytes, **shared) -> str:
    """A file sent as slack_sdk's files_upload_v2 sends it; the id Slack gave it."""
    given = call(api, "files.getUploadURLExternal", filename=name, length=len(content))
    path = given["upload_url"].split("127.0.0.1", 1)[1]
    status, _, _ = api.handle(
        "POST", path, "", content, {"content-type": "application/octet-stream"}
    )
    assert status == 200
    answer = call(api, "files.completeUploadExternal", files=[{"id": given["file_id"]}], **shared)
    assert answer["ok"]
    return given["file_id"]


def test_a_file_shared_in_a_thread_is_a_message_there_with_its_bytes_kept_for_the_page():
    api, place = world()
    status = call(api, "chat.postMessage", channel=LAUNCH, text="Status for the week")
    picture = b"\x89PNG\r\n\x1a\n picture"
    file_id = upload(
        api,
        "timeline.png",
        picture,
        channel_id=LAUNCH,
        thread_ts=status["ts"],
        initial_comment="The plan",
    )

    [shown] = place.seen_by(SAM)["conversations"][LAUNCH]
    assert shown["text"] == "Status for the week"
    [reply] = shown["replies"]
    assert reply["text"] == "The plan" and reply["user"] == "UBOT"
    assert float(reply["ts"]) > float(status["ts"])
    [file] = reply["files"]
    assert file["id"] == file_id and file["name"] == "timeline.png"
    assert file["mimetype"] == "image/png" and file["size"] == len(picture)
    assert file["url_private"].startswith(FILES_PATH)
    kept = place.file(file["url_private"].removeprefix(FILES_PATH))
    assert kept is not None and kept.content == picture and kept.mimetype == "image/png"


def test_an_image_keeps_its_alt_text_and_an_export_goes_to_the_persons_messages():
    api, place = world()
    given = call(api, "files.getUploadURLExternal", filename="t.png", length=3, alt_txt="Timeline")
    api.handle("POST", f"/upload/{given['file_id']}", "", b"png", {})
    call(api, "files.completeUploadExternal", files=[{"id": given["file_id"]}], channel_id=LAUNCH)
    dm = call(api, "conversations.open", users=ALEX)["channel"]["id"]
    upload(api, "milestones.csv", b"record,reference\r\n", channel_id=dm)

    [image] = place.seen_by(SAM)["conversations"][LAUNCH]
    assert image["files"][0]["alt_text"] == "Timeline" and image["text"] == ""
    assert place.seen_by(SAM)["conversations"]["DU0SAM"] == []
    [export] = place.seen_by(ALEX)["conversations"]["DU0ALEX"]
    assert export["files"][0]["mimetype"] == "text/csv"


def test_shared_files_are_kept_across_a_restart():
    api, place = world()
    upload(api, "milestones.json", b'{"milestones": []}', channel_id=LAUNCH)
    kept = json.loads(json.dumps(place.snapshot()))

    _, restarted = world()
    restarted.restore(kept)
    [message] = restarted.seen_by(ALEX)["conversations"][LAUNCH]
    shared = restarted.file(message["files"][0]["url_private"].removeprefix(FILES_PATH))
    assert shared is not None and shared.content == b'{"milestones": []}'
    assert shared.mimetype == "application/json"


def test_an_upload_never_completed_shows_nothing():
    api, place = world()
    given = call(api, "files.getUploadURLExternal", filename="t.png", length=3)
    api.handle("POST", f"/upload/{given['file_id']}", "", b"png", {})
    assert place.seen_by(ALEX)["conversations"][LAUNCH] == []
    assert place.files == {}
