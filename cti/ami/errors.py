"""Errors of the AMI layer.

AmiError (CtiError)
 ├── AmiConnectError     TCP connect to host:port failed or the link closed during login
 ├── AmiLoginFailed      Asterisk refused the username/secret
 ├── AmiNotConnected     an action was sent while the link is down
 ├── AmiLinkLost         the link dropped while an action waited for its answer
 ├── AmiActionTimeout    no answer to an action within its timeout
 └── AmiActionFailed     Asterisk answered ``Response: Error`` (``message`` says why)

Messages name the node, host, port and user, never the secret.
"""

from __future__ import annotations

from cti.errors import CtiError


class AmiError(CtiError):
    """Base of every error of the Asterisk Manager link."""

    status, code = 502, "ami-error"


class AmiConnectError(AmiError):
    """Could not open (or keep, during login) the TCP connection to Asterisk."""

    status, code = 503, "ami-unreachable"
    unreachable = True

    def __init__(self, node: str, host: str, port: int, user: str, reason: str) -> None:
        super().__init__(
            f"AMI node {node!r}: cannot connect to {host}:{port} as user {user!r}: {reason}; "
            "check that Asterisk runs and manager.conf enables AMI on that address"
        )
        self.node, self.host, self.port, self.user, self.reason = node, host, port, user, reason


class AmiLoginFailed(AmiError):
    """Asterisk answered the Login action with an error."""

    status, code = 503, "ami-login-failed"

    def __init__(self, node: str, host: str, port: int, user: str, message: str) -> None:
        super().__init__(
            f"AMI node {node!r}: login failed for user {user!r} at {host}:{port} "
            f"({message}); check ami username and secret, and manager.conf permit/deny"
        )
        self.node, self.host, self.port, self.user, self.message = node, host, port, user, message


class AmiNotConnected(AmiError):
    """An action was sent while the link to that node is down."""

    status, code = 503, "ami-not-connected"
    unreachable = True

    def __init__(self, node: str, action: str) -> None:
        super().__init__(f"AMI node {node!r}: cannot send {action}: the link is down")
        self.node, self.action = node, action


class AmiLinkLost(AmiError):
    """The link dropped before the answer to an action arrived (it is never re-sent)."""

    status, code = 503, "ami-link-lost"
    unreachable = True

    def __init__(self, node: str, action: str, action_id: str) -> None:
        super().__init__(
            f"AMI node {node!r}: link lost while waiting for {action} (ActionID {action_id}); "
            "the action may or may not have run: check the call state before retrying"
        )
        self.node, self.action, self.action_id = node, action, action_id


class AmiActionTimeout(AmiError):
    """No answer to an action within its timeout."""

    status, code = 504, "ami-timeout"
    unreachable = True

    def __init__(self, node: str, action: str, action_id: str, timeout: float) -> None:
        super().__init__(
            f"AMI node {node!r}: no answer to {action} (ActionID {action_id}) "
            f"within {timeout:g} s; Asterisk may be overloaded or the link half dead"
        )
        self.node, self.action, self.action_id, self.timeout = node, action, action_id, timeout


class AmiActionFailed(AmiError):
    """Asterisk answered ``Response: Error``."""

    status, code = 502, "ami-action-failed"

    def __init__(self, node: str, action: str, action_id: str, message: str) -> None:
        super().__init__(
            f"AMI node {node!r}: {action} (ActionID {action_id}) failed: {message}"
        )
        self.node, self.action, self.action_id, self.message = node, action, action_id, message
