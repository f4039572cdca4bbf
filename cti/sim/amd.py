"""AMD(): answering-machine detection as app_amd decides it on the simulated audio.

The far end's script says what it sends (``Behaviour.audio``); AMD() listens
for as long as app_amd needs to decide on that audio with the given settings
(amd.conf defaults, or AMD()'s arguments), then sets AMDSTATUS and AMDCAUSE.
The timings are those of 24-outbound-amd:

- no RTP at all: NOTSURE, ``TOOLONG-4900`` after the total analysis time (5 s);
- a 0.6 s "hello" after 0.4 s of silence, then silence: HUMAN,
  ``HUMAN-800-800`` after about 1.76 s (the after-greeting silence decides);
- a greeting of words: MACHINE, ``MAXWORDS-3-2`` after about 1.54 s (the third
  word is one too many);

and a hang-up during the analysis gives HANGUP with an empty cause.
"""

from __future__ import annotations

from dataclasses import dataclass

from cti.sim.apps import app, split_args
from cti.sim.channel import Channel, Interrupted, Why
from cti.sim.pbx import Core

#: the simulated "hello": silence before it and its length (24-outbound-amd, 5559877)
HELLO_AFTER, HELLO_LENGTH = 0.4, 0.6
#: the silence detector reports the after-greeting silence this much early (one frame
#: pair), as recorded (1.76 s, not 1.80 s)
DETECTOR_LEAD = 0.04
#: the simulated greeting: lead silence, then words with pauses; a word counts once
#: min_word_length of it was heard (calibrated on 5559878: MAXWORDS-3-2 at 1.54 s)
GREETING_LEAD, WORD_AND_PAUSE = 0.14, 0.65


@dataclass(frozen=True, slots=True)
class AmdSettings:
    """amd.conf [general], in milliseconds (Asterisk's defaults)."""

    initial_silence: int = 2500
    greeting: int = 1500
    after_greeting_silence: int = 800
    total_analysis_time: int = 5000
    min_word_length: int = 100
    between_words_silence: int = 50
    maximum_number_of_words: int = 2

    @classmethod
    def from_args(cls, data: str) -> AmdSettings:
        """AMD(initialSilence,greeting,afterGreetingSilence,totalAnalysisTime,
        miniumWordLength,betweenWordsSilence,maximumNumberOfWords,...)."""
        defaults = cls()
        names = ("initial_silence", "greeting", "after_greeting_silence",
                 "total_analysis_time", "min_word_length", "between_words_silence",
                 "maximum_number_of_words")
        values = {}
        for name, arg in zip(names, split_args(data), strict=False):
            values[name] = int(arg) if arg.strip().lstrip("-").isdigit() \
                else getattr(defaults, name)
        return cls(**values)


def decide(audio: str, settings: AmdSettings) -> tuple[str, str, float]:
    """(AMDSTATUS, AMDCAUSE, seconds of listening) for a far end sending ``audio``."""
    total = settings.total_analysis_time
    if audio == "human":
        seconds = HELLO_AFTER + HELLO_LENGTH + settings.after_greeting_silence / 1000 \
            - DETECTOR_LEAD
        silence = settings.after_greeting_silence
        if seconds * 1000 < total:
            return "HUMAN", f"HUMAN-{silence}-{silence}", seconds
    elif audio == "machine":
        words = settings.maximum_number_of_words
        seconds = GREETING_LEAD + words * WORD_AND_PAUSE + settings.min_word_length / 1000
        if seconds * 1000 < total:
            return "MACHINE", f"MAXWORDS-{words + 1}-{words}", seconds
    return "NOTSURE", f"TOOLONG-{total - 100}", total / 1000


@app("AMD")
async def _amd(core: Core, ch: Channel, data: str) -> str | None:
    status, cause, seconds = decide(ch.audio, AmdSettings.from_args(data))
    try:
        await ch.wait_for(None, core.scaled(seconds))
    except Interrupted as exc:
        if exc.why is Why.HANGUP:
            core.var_set(ch, "AMDSTATUS", "HANGUP")
            core.var_set(ch, "AMDCAUSE", "")
        raise
    core.var_set(ch, "AMDSTATUS", status)
    core.var_set(ch, "AMDCAUSE", cause)
    core.count(f"amd_{status.lower()}")
    return None


#: seconds of a machine's greeting still to come when AMD() has decided (its words
#: go on after the third one): WaitForSilence waits for them, then for the silence
GREETING_REST = 1.0


@app("WaitForSilence")
async def _wait_for_silence(core: Core, ch: Channel, data: str) -> str | None:
    """WaitForSilence(silencerequired[,iterations[,timeout]]): the end of the greeting,
    then ``silencerequired`` ms of silence; WAITSTATUS SILENCE (TIMEOUT past timeout)."""
    args = split_args(data)
    silence = int(args[0]) / 1000 if args and args[0].isdigit() else 1.0
    timeout = float(args[2]) if len(args) > 2 and args[2].replace(".", "").isdigit() else None
    needed = (GREETING_REST if ch.audio == "machine" else 0.0) + silence
    status = "SILENCE"
    if timeout and needed > timeout:
        needed, status = timeout, "TIMEOUT"
    await ch.wait_for(None, core.scaled(needed))
    core.var_set(ch, "WAITSTATUS", status)
    return None
