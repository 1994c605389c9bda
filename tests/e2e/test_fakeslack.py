import json
import threading
import time

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from tests.support.fakeslack import FakeSlack


@pytest.fixture
def slack():
    with FakeSlack().start() as fake:
        yield fake


@pytest.fixture
def client(slack):
    fast = FixedValueRetryIntervalCalculator(0.01)
    return WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=fast),
        ],
    )


def test_base_url_shape(slack):
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")
    assert slack.response_url("abc") == slack.base_url.replace("/api/", "/response/abc")


def test_auth_test(slack, client):
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT"
    assert resp["bot_id"] == "BBOT"
    assert resp["team_id"] == "T111"
    call = slack.calls_to("auth.test")[0]
    assert call.token == "xoxb-test"
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_post_message_returns_increasing_ts_and_records_params(slack, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["message"]["ts"] == first["ts"]
    assert first["message"]["blocks"] == blocks
    assert second["message"]["thread_ts"] == first["ts"]
    assert float(second["ts"]) > float(first["ts"])
    calls = slack.calls_to("chat.postMessage")
    assert [c.params["text"] for c in calls] == ["hi", "again"]
    assert calls[0].params["blocks"] == blocks
    assert calls[0].status == 200


def test_form_encoded_values_are_json_decoded(slack, client):
    blocks = [{"type": "divider"}]
    form = {"channel": "C9", "blocks": json.dumps(blocks), "text": "x"}
    client.api_call("chat.postMessage", params=form)
    call = slack.calls_to("chat.postMessage")[0]
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.params == {"channel": "C9", "blocks": blocks, "text": "x"}


def test_chat_update_and_ephemeral(slack, client):
    posted = client.chat_postMessage(channel="C1", text="v1")
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"]
    assert updated["text"] == "v2"
    assert updated["message"]["text"] == "v2"
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"]


def test_rate_limited_once_then_success(slack, client):
    slack.fail("chat.postMessage", status=429, retry_after=0)
    resp = client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"] is True
    assert len(slack.calls_to("chat.postMessage")) == 1
    attempts = slack.attempts_to("chat.postMessage")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].response == {"ok": False, "error": "ratelimited"}


def test_rate_limit_sends_retry_after_header(slack):
    slack.fail("chat.postMessage", status=429, retry_after=7)
    r = requests.post(slack.base_url + "chat.postMessage", data={"channel": "C1"}, timeout=5)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert r.json() == {"ok": False, "error": "ratelimited"}


def test_server_error_once_then_success(slack, client):
    slack.fail("chat.postMessage", status=500)
    resp = client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"] is True
    assert [a.status for a in slack.attempts_to("chat.postMessage")] == [500, 200]
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_persistent_server_error_raises(slack, client):
    slack.fail("chat.postMessage", status=503, times=5)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response.status_code == 503
    assert len(slack.attempts_to("chat.postMessage")) == 3  # first try + 2 retries
    assert slack.calls_to("chat.postMessage") == []


def test_ok_false_error_raises_slack_api_error(slack, client):
    slack.fail("chat.postMessage", status=200, error="not_in_channel")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response["error"] == "not_in_channel"
    assert slack.calls_to("chat.postMessage") == []
    assert len(slack.attempts_to("chat.postMessage")) == 1
    client.chat_postMessage(channel="C1", text="hi")  # only failed once
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_fail_nth(slack, client):
    slack.fail_nth("chat.postMessage", 2, status=429)
    for i in range(3):
        client.chat_postMessage(channel="C1", text=str(i))
    assert [a.status for a in slack.attempts_to("chat.postMessage")] == [200, 429, 200, 200]
    assert [c.params["text"] for c in slack.calls_to("chat.postMessage")] == ["0", "1", "2"]


def test_users_info_with_tz(slack, client):
    slack.set_user("U222", real_name="Ada Lovelace", email="ada@example.com")
    user = client.users_info(user="U222")["user"]
    assert user["id"] == "U222"
    assert user["team_id"] == "T111"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["tz_label"]
    assert user["deleted"] is False
    assert user["real_name"] == "Ada Lovelace"
    assert user["profile"]["email"] == "ada@example.com"


def test_users_info_without_tz_and_deleted(slack, client):
    slack.set_user("U333", tz=None, deleted=True)
    user = client.users_info(user="U333")["user"]
    assert "tz" not in user
    assert "tz_offset" not in user
    assert user["deleted"] is True


def test_users_info_unknown_user(slack, client):
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="UNOPE")
    assert info.value.response["error"] == "user_not_found"


def test_conversations_open_is_stable(slack, client):
    first = client.conversations_open(users="U222")
    second = client.conversations_open(users=["U222"])
    assert first["channel"]["id"] == "DU222"
    assert second["channel"]["id"] == "DU222"
    assert second["already_open"] is True
    assert slack.calls_to("conversations.open")[0].params["users"] == "U222"


def test_views_open_returns_view_with_id(slack, client):
    view = {
        "type": "modal",
        "callback_id": "new_goal",
        "title": {"type": "plain_text", "text": "New goal"},
        "blocks": [],
    }
    opened = client.views_open(trigger_id="123.456", view=view)["view"]
    assert opened["id"].startswith("V")
    assert opened["type"] == "modal"
    assert opened["callback_id"] == "new_goal"
    updated = client.views_update(view_id=opened["id"], view=view)["view"]
    assert updated["id"] == opened["id"]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert home["type"] == "home"
    assert slack.calls_to("views.open")[0].params["view"]["callback_id"] == "new_goal"


def test_other_methods_are_ok_and_unknown_paths_404(slack, client):
    assert client.reactions_add(channel="C1", name="tada", timestamp="1.2")["ok"] is True
    assert requests.post(slack.base_url.replace("/api/", "/nope"), timeout=5).status_code == 404


def test_wait_for_blocks_until_call_arrives(slack, client):
    def later():
        time.sleep(0.1)
        client.chat_postMessage(channel="C1", text="late")

    threading.Thread(target=later).start()
    calls = slack.wait_for("chat.postMessage", timeout=5)
    assert calls[0].params["text"] == "late"


def test_wait_for_timeout_raises_assertion_error(slack, client):
    client.auth_test()
    start = time.monotonic()
    with pytest.raises(AssertionError, match="auth.test"):
        slack.wait_for("chat.postMessage", timeout=0.2)
    assert time.monotonic() - start < 2


def test_response_url_posting(slack):
    url = slack.response_url("r7")
    r = requests.post(url, json={"text": "done", "replace_original": True}, timeout=5)
    assert r.status_code == 200
    assert r.json() == {"ok": True}
    got = slack.wait_for_response(count=1, timeout=2)
    assert got == [{"name": "r7", "body": {"text": "done", "replace_original": True}}]
    with pytest.raises(AssertionError):
        slack.wait_for_response(count=2, timeout=0.1)


def test_reset_keeps_users(slack, client):
    slack.set_user("U222")
    client.auth_test()
    slack.fail("users.info", status=500, times=10)
    slack.reset()
    assert slack.calls == []
    assert client.users_info(user="U222")["user"]["id"] == "U222"


def test_context_manager_stops_server():
    with FakeSlack().start() as fake:
        url = fake.base_url
        assert requests.post(url + "auth.test", timeout=5).json()["ok"] is True
    with pytest.raises(requests.ConnectionError):
        requests.post(url + "auth.test", timeout=1)


def test_hang_holds_calls_until_released(slack):
    impatient = WebClient(
        token="xoxb-test", base_url=slack.base_url, timeout=0.2, retry_handlers=[]
    )
    slack.set_user("U1", tz="Europe/Paris")
    slack.hang("users.info")

    with pytest.raises(TimeoutError):
        impatient.users_info(user="U1")
    [held] = slack.wait_for_attempts("users.info", 1)
    assert held.status == 0

    slack.release("users.info")

    assert slack.wait_for("users.info")[0].response["user"]["tz"] == "Europe/Paris"
    assert impatient.users_info(user="U1")["user"]["tz"] == "Europe/Paris"


def test_files_upload_v2_is_recorded_with_its_bytes_alt_text_and_thread(slack, client):
    content = b"\x89PNG not really" * 100

    response = client.files_upload_v2(
        channel="C1",
        filename="timeline.png",
        content=content,
        title="Timeline",
        alt_txt="A timeline in words",
        thread_ts="1700000000.000100",
    )

    [shared] = slack.files
    assert response["file"]["id"] == shared.id
    assert (shared.name, shared.title, shared.alt_text) == (
        "timeline.png",
        "Timeline",
        "A timeline in words",
    )
    assert (shared.channel, shared.thread_ts, shared.size) == (
        "C1",
        "1700000000.000100",
        len(content),
    )
    assert shared.content == content
    [asked] = slack.calls_to("files.getUploadURLExternal")
    assert int(asked.params["length"]) == len(content)


def test_an_upload_url_takes_only_files_it_handed_out(slack):
    answer = requests.post(slack.base_url.replace("/api/", "/upload/F9999"), data=b"x")

    assert answer.status_code == 404


def test_a_file_never_uploaded_cannot_be_shared(slack, client):
    client.files_getUploadURLExternal(filename="a.csv", length=3)

    with pytest.raises(SlackApiError) as refused:
        client.files_completeUploadExternal(files=[{"id": "F0001"}], channel_id="C1")

    assert refused.value.response["error"] == "file_not_found"
    assert slack.files == []
