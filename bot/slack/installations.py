"""Which bot token speaks for each workspace, and the OAuth install that provides them.

One workspace: SLACK_BOT_TOKEN. Many: each workspace installs the app through /slack/install
and its bot token is kept by slack_sdk's SQLAlchemy installation store, in the bot's database,
encrypted when TOKEN_ENCRYPTION_KEY is set (bot/slack/tokens.py). Tokens that expire (token
rotation) are refreshed before use, by requests and sweeps alike, under a lock so that two
processes refresh a workspace's token once; never on the way to a request's answer, only after
it and in sweeps. The OAuth state store forgets expired states.
"""

from __future__ import annotations

import copy
import fcntl
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import and_, select, text
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.domain import workspaces
from bot.slack.budget import SharedBudget
from bot.slack.client import Messenger, Pacer, WorkspaceGone, make_client, make_quick_client
from bot.slack.tokens import TokenCipher, TokenKeyError
from bot.store.db import session_scope
from bot.store.tables import TOKEN_COLUMNS

log = logging.getLogger("bot.installations")

# What the app asks for when installed; manifest.yml lists the same.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "files:write",
    "dnd:read",
    "channels:read",
    "groups:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# A token expiring within this many minutes is refreshed before it is used.
REFRESH_BEFORE_MINUTES = 30
# How long what is known of a workspace (its organisation, whether it left) is trusted.
WORKSPACE_FRESH_FOR = 10.0
# How long someone has between opening /slack/install and approving the app in Slack.
STATE_EXPIRES_SECONDS = 600

Clock = Callable[[], datetime]
Entity = TypeVar("Entity", Bot, Installation)


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on the bot's database, which also notes the workspace as served and
    keeps the tokens as `cipher` seals them: what slack_sdk reads and writes is the sealed
    form, what the bot gets back is the token."""

    def __init__(
        self,
        client_id: str,
        engine: Engine,
        *,
        clock: Clock,
        cipher: TokenCipher,
        on_saved: Callable[[list[str]], object] = lambda _teams: None,
    ) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self._clock = clock
        self._cipher = cipher
        self._on_saved = on_saved

    def save(self, installation: Installation) -> None:
        # slack_sdk saves the installation's bot through save_bot, which leaves sealed tokens be.
        super().save(self._with_tokens(installation, self._cipher.seal))
        teams = []
        with session_scope(self.engine) as session:
            if installation.is_enterprise_install and installation.enterprise_id:
                organisation = installation.enterprise_id
                workspaces.installed_in_organisation(session, enterprise_id=organisation)
                teams = workspaces.in_organisation(session, enterprise_id=organisation)
            if installation.team_id:
                workspaces.installed(
                    session,
                    team_id=installation.team_id,
                    enterprise_id=installation.enterprise_id,
                    org_install=bool(installation.is_enterprise_install),
                    now=self._clock(),
                )
                teams.append(installation.team_id)
        self._on_saved(teams)

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._with_tokens(bot, self._cipher.seal))

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = super().find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else self._with_tokens(found, self._cipher.open)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        # slack_sdk may copy the bot's tokens in from find_bot, opened already; opening a
        # token in clear text leaves it as it is.
        found = super().find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else self._with_tokens(found, self._cipher.open)

    def seal_stored_tokens(self) -> int:
        """Encrypt the tokens still in clear text, and check that every encrypted one can be
        read (TokenKeyError if not): at start, so that a missing key is said before Slack
        sees a token. Returns how many rows were encrypted."""
        return self._rewrite_tokens(self._checked_seal)

    def rotate_stored_tokens(self) -> int:
        """Encrypt every token under the newest key. Returns how many rows were rewritten."""
        return self._rewrite_tokens(self._cipher.rotate)

    def _checked_seal(self, stored: str | None) -> str | None:
        self._cipher.open(stored)
        return self._cipher.seal(stored)

    def _rewrite_tokens(self, rewrite: Callable[[str | None], str | None]) -> int:
        rewritten = 0
        for table in (self.bots, self.installations):
            columns = [column for column in table.columns if column.name in TOKEN_COLUMNS]
            with self.engine.begin() as connection:
                # In id order: processes starting together lock the rows they rewrite in the
                # same order, and wait for each other rather than deadlock.
                query = select(table.c.id, *columns).order_by(table.c.id)
                rows = connection.execute(query).mappings().all()
                for row in rows:
                    stored = {column.name: row[column.name] for column in columns}
                    new = {name: rewrite(value) for name, value in stored.items()}
                    if new == stored:
                        continue
                    # Only if unchanged since read: a token refreshed meanwhile by another
                    # process is newer than the one rewritten here.
                    unchanged = and_(*(column == stored[column.name] for column in columns))
                    rewritten += connection.execute(
                        table.update().where(table.c.id == row["id"], unchanged).values(new)
                    ).rowcount
        return rewritten

    @staticmethod
    def _with_tokens(entity: Entity, transform: Callable[[str | None], str | None]) -> Entity:
        """A copy of `entity` with its tokens transformed (sealed or opened)."""
        changed = copy.copy(entity)
        for name in TOKEN_COLUMNS:
            if hasattr(changed, name):
                setattr(changed, name, transform(getattr(changed, name)))
        return changed


class OAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store, which on its own never deletes a state nobody came back
    with: here each new state first deletes those past their expiry, so the table holds at
    most STATE_EXPIRES_SECONDS' worth. Judged by the real time, as slack_sdk sets and checks
    them."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(expiration_seconds=STATE_EXPIRES_SECONDS, engine=engine, logger=log)

    def issue(self, *args, **kwargs) -> str:
        now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as slack_sdk stores expiry
        with self.engine.begin() as connection:
            connection.execute(
                self.oauth_states.delete().where(self.oauth_states.c.expire_at <= now)
            )
        return super().issue(*args, **kwargs)


class SlackAccess:
    """A Messenger per workspace, with a current token."""

    def __init__(
        self, settings: Settings, engine: Engine, *, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._clock = clock
        # The workspace budget in the database: every process posting for a workspace spends it.
        self.pacer = pacer or Pacer(
            per_workspace_minute=settings.slack_messages_per_minute, budget=SharedBudget(engine)
        )
        self._lock = threading.Lock()
        self._rotating: dict[str, threading.Lock] = {}
        # (token, quick) -> client: made anew when a workspace's token changes.
        self._clients: dict[tuple[str, bool], WebClient] = {}
        self._workspaces: dict[str, tuple[float, tuple[str | None, bool, bool]]] = {}
        self.installation_store: InstallationStore | None = None
        self.state_store: OAuthStateStore | None = None
        if settings.multi_workspace:
            self.installation_store = InstallationStore(
                settings.slack_client_id,
                engine,
                clock=clock,
                cipher=TokenCipher(settings.token_encryption_keys),
                on_saved=lambda teams: [self.forget_workspace(team) for team in teams],
            )
            self.state_store = OAuthStateStore(engine)
            self._prepare_stored_tokens()
            self._rotator = TokenRotator(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                client=make_client(settings, None, sleep=self.pacer.sleep),
            )
            self.client = make_client(settings, None, sleep=self.pacer.sleep)
        else:
            self.client = make_client(settings, settings.slack_bot_token, sleep=self.pacer.sleep)

    def _prepare_stored_tokens(self) -> None:
        """At start: tokens still in clear text are encrypted, or without a key the operator
        is told they stay in clear; a token this process could not decrypt stops it here, in
        one line (TokenKeyError), rather than at a request."""
        sealed = self.installation_store.seal_stored_tokens()
        if not self._settings.token_encryption_keys:
            log.warning(
                "TOKEN_ENCRYPTION_KEY is not set: the workspaces' Slack tokens are stored in "
                "clear text in the database (see docs/production.md, Slack tokens at rest)."
            )
        elif sealed:
            log.info(
                "encrypted the Slack tokens of %d installation rows kept in clear text", sealed
            )

    @property
    def multi_workspace(self) -> bool:
        return self.installation_store is not None

    def messenger(self, team_id: str) -> Messenger:
        """The bot in workspace `team_id`; its calls raise WorkspaceGone where it may not speak."""
        return Messenger(
            lambda: self.client_for(team_id),
            pace=lambda channel_id: self.pacer.slot(team_id, channel_id),
        )

    def quick_messenger(self, team_id: str) -> Messenger:
        """The bot in `team_id` for a call made before answering a request: it gives up soon
        (make_quick_client), and the caller falls back on what it knows."""
        return Messenger(lambda: self.client_for(team_id, quick=True))

    def client_for(self, team_id: str, *, quick: bool = False) -> WebClient:
        """The Web API client with the workspace's current bot token (`quick`: see
        quick_messenger)."""
        enterprise_id, org_install, gone = self._workspace(team_id)
        if gone:
            raise WorkspaceGone(team_id)
        if not self.multi_workspace:
            return self._client_with(self._settings.slack_bot_token, quick=quick)
        bot = self.bot(
            enterprise_id=enterprise_id, team_id=team_id, org_install=org_install, refresh=not quick
        )
        if bot is None:
            raise WorkspaceGone(team_id)
        return self._client_with(bot.bot_token, quick=quick)

    def _workspace(self, team_id: str) -> tuple[str | None, bool, bool]:
        """(enterprise_id, org_install, uninstalled) of a workspace, read at most every
        WORKSPACE_FRESH_FOR seconds: a sweep sending a thousand messages asks once."""
        now = time.monotonic()
        with self._lock:
            cached = self._workspaces.get(team_id)
        if cached is not None and now - cached[0] < WORKSPACE_FRESH_FOR:
            return cached[1]
        with session_scope(self._engine) as session:
            workspace = workspaces.find(session, team_id)
            found = (
                (
                    workspace.enterprise_id,
                    workspace.org_install,
                    workspace.uninstalled_at is not None,
                )
                if workspace
                else (None, False, False)
            )
        with self._lock:
            if len(self._workspaces) > 10_000:
                self._workspaces.clear()
            self._workspaces[team_id] = (now, found)
        return found

    def forget_workspace(self, team_id: str) -> None:
        """Read the workspace afresh next time (it was just uninstalled or installed)."""
        with self._lock:
            self._workspaces.pop(team_id, None)

    def bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        org_install: bool,
        refresh: bool = True,
    ) -> Bot | None:
        """The workspace's installed bot, its token refreshed first if it is about to expire
        (unless not `refresh`: on the way to a request's answer, which must not wait on Slack,
        the token is used as it is, and the work after the answer refreshes it)."""
        store = self.installation_store
        found = store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_install
        )
        if found is None or not refresh or not self._expiring(found):
            return found
        key = f"{enterprise_id}:{None if org_install else team_id}"
        with self._rotation_lock(key):
            # Another thread or process may have refreshed it while this one waited.
            found = store.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_install
            )
            if found is None or not self._expiring(found):
                return found
            refreshed = self._rotator.perform_bot_token_rotation(
                bot=found, minutes_before_expiration=REFRESH_BEFORE_MINUTES
            )
            if refreshed is None:
                return found
            store.save_bot(refreshed)
            log.info("refreshed the bot token of workspace %s", team_id or enterprise_id)
            return refreshed

    def forget(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete a workspace's installation (uninstalled, or its tokens revoked)."""
        if team_id:
            self.forget_workspace(team_id)
        if self.installation_store is None:
            return
        self.installation_store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.installation_store.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def authorize(self) -> Authorize:
        return _StoreAuthorize(self)

    @staticmethod
    def _expiring(bot: Bot) -> bool:
        # Slack's clock, not the bot's: slack_sdk's TokenRotator judges by the real time too.
        expires_at = bot.bot_token_expires_at
        return expires_at is not None and expires_at <= time.time() + REFRESH_BEFORE_MINUTES * 60

    def _client_with(self, token: str, *, quick: bool = False) -> WebClient:
        with self._lock:
            client = self._clients.get((token, quick))
            if client is None:
                if len(self._clients) > 1000:  # tokens of workspaces long gone
                    self._clients.clear()
                if quick:
                    client = make_quick_client(self._settings, token)
                else:
                    client = make_client(self._settings, token, sleep=self.pacer.sleep)
                self._clients[token, quick] = client
            return client

    @contextmanager
    def _rotation_lock(self, key: str) -> Iterator[None]:
        """Held by one thread of this process and, on PostgreSQL, one process of all."""
        with self._lock:
            local = self._rotating.setdefault(key, threading.Lock())
        with local:
            if self._engine.dialect.name != "postgresql":
                # SQLite lives on one host: a lock file beside the database serves its processes.
                database = self._engine.url.database
                if not database or database == ":memory:":
                    yield
                    return
                with open(f"{database}-rotation.lock", "a") as lock_file:
                    fcntl.flock(lock_file, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(lock_file, fcntl.LOCK_UN)
                return
            with self._engine.connect() as connection:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": zlib.crc32(f"rotate:{key}".encode())},
                )
                try:
                    yield
                finally:
                    connection.rollback()


class _StoreAuthorize(Authorize):
    """Bolt's authorization for a request, from the installation store without a call to
    auth.test (the installation knows the bot's ids) nor a token refresh: the listeners
    speak to Slack through SlackAccess, which refreshes the token after the answer."""

    def __init__(self, access: SlackAccess) -> None:
        super().__init__()
        self._access = access

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
    ) -> AuthorizeResult | None:
        org_install = bool(context.is_enterprise_install)
        try:
            bot = self._access.bot(
                enterprise_id=enterprise_id, team_id=team_id, org_install=org_install, refresh=False
            )
        except TokenKeyError as error:
            # Keys changed under this process (rotated while it ran): said, not a traceback.
            log.error("workspace %s not served: %s", team_id or enterprise_id, error)
            return None
        if bot is None:
            log.info("no installation for workspace %s", team_id or enterprise_id)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
        )
