"""Why a campaign command was refused: the errors the API maps to statuses and codes.

CtiError (cti.errors)
 └── CampaignError
      ├── NoSuchCampaign        404 no-such-campaign
      ├── CampaignExists        409 campaign-exists
      ├── CampaignNotValid      400 invalid-campaign    the definition (one line per problem)
      ├── CampaignStateRefused  409 campaign-state      start a running campaign, ...
      ├── ImportRejected        400 import-rejected     a CSV with bad rows: nothing imported
      └── NoSuchPreview         404 no-such-preview     an agent answers a preview it lacks

The ``code`` strings are part of the API: don't rename them.
"""

from __future__ import annotations

from collections.abc import Sequence

from cti.errors import CtiError


class CampaignError(CtiError):
    """Base of the campaign errors."""

    status, code = 400, "campaign-error"


class NoSuchCampaign(CampaignError):
    status, code = 404, "no-such-campaign"

    def __init__(self, name: str) -> None:
        super().__init__(f"no campaign named {name!r}; `cti campaign status` lists them")
        self.name = name


class CampaignExists(CampaignError):
    status, code = 409, "campaign-exists"

    def __init__(self, name: str) -> None:
        super().__init__(f"campaign {name!r} exists already; pick another name")
        self.name = name


class CampaignNotValid(CampaignError):
    """A definition that does not validate; ``errors`` has one line each."""

    status, code = 400, "invalid-campaign"

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


class CampaignStateRefused(CampaignError):
    """A command the campaign's status does not allow now."""

    status, code = 409, "campaign-state"


class ImportRejected(CampaignError):
    """A list with bad rows: nothing of it was imported. ``problems`` are
    ``(line, reason)``, line 1 being the header."""

    status, code = 400, "import-rejected"

    #: Problems listed in the message; all of them are in ``problems``.
    SHOWN = 20

    def __init__(self, source: str, problems: Sequence[tuple[int, str]]) -> None:
        shown = [f"{source}: line {line}: {reason}" for line, reason in problems[:self.SHOWN]]
        more = len(problems) - self.SHOWN
        if more > 0:
            shown.append(f"{source}: ... and {more} more bad row(s)")
        shown.append(f"{source}: nothing imported ({len(problems)} bad row(s)); fix them "
                      "and import the file again")
        super().__init__("\n".join(shown))
        self.source = source
        self.problems = list(problems)


class NoSuchPreview(CampaignError):
    status, code = 404, "no-such-preview"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id} has no campaign contact to preview now")
        self.agent_id = agent_id
