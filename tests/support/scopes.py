"""The scope decisions manifest.yml is checked against: which bot scope each Web API call, the
command and each event the bot listens to needs."""

# Every Web API method the bot may call, and the bot scope it needs (None: no scope).
# A new call in bot/ fails test_every_web_api_call_has_a_scope_decision until it is added here.
SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.open": "im:write",
    "users.info": "users:read",
    # files_upload_v2: files.getUploadURLExternal, then files.completeUploadExternal.
    "files.upload.v2": "files:write",
    "dnd.info": "dnd:read",
    "dnd.teamInfo": "dnd:read",
    "views.open": None,
    "views.publish": None,
    "auth.test": None,
    # The permalink of a message "Make it a milestone" was chosen on.
    "chat.getPermalink": None,
}
# The /milestone command itself.
COMMAND_SCOPE = "commands"
# Events the bot listens to, and the bot scopes Slack asks for to send each (empty: none).
EVENT_SCOPES = {
    "app_home_opened": set(),
    "app_uninstalled": set(),
    "tokens_revoked": set(),
    # Public and private channels.
    "member_joined_channel": {"channels:read", "groups:read"},
    # Workflow Builder steps: Slack sends it to the app whose function ran, with no scope.
    "function_executed": set(),
}
