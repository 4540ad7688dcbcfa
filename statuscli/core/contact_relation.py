"""The contact relation with one person, moved by what we do and what they send (sans-IO).

Follows status-go's two-sided state (``protocol/contact.go``): our side (``added_by_us``, with the
clock of our last request/decline/removal, ``local_clock``) and theirs (``added_us``, with the clock
of the last request/acceptance/retraction we heard from them, ``remote_clock``). A move whose clock
is not newer than the side's clock changes nothing (MVDS resends, a store replay, out of order).
``request`` names the newest contact request between us:
none | pending-in | pending-out | accepted | declined | removed.

==========================  ==============  ===================================================
move                        guard           effect
==========================  ==============  ===================================================
we_request(c)               c > local       added_by_us; request accepted if added_us, else
  (add, request, accept)                    pending-out
we_decline(c)               c > local       not added_by_us; request declined (added_us stays:
                                            status-go's DISMISSED keeps the remote side)
we_remove(c)                c > local       neither added; both clocks c; request removed
they_request(c)             c > remote      added_us; request accepted if added_by_us,
  (CONTACT_REQUEST, a                       declined if we had declined, else pending-in
  ContactUpdate's clock,
  their acceptance)
they_retract(c)             c > remote      not added_us; unless we had declined: not
                                            added_by_us, request removed
they_propagate(p)           see below       p is their view (ContactRequestPropagatedState):
  their local SENT          p.local > remote  as they_request(p.local_clock)
  their local NONE          p.local > remote  as they_retract(p.local_clock)
  their local DISMISSED     p.local > remote  not added_us; request declined if we had asked
                            and > local     (a decline newer than our request)
                                            (status-go ignores this state; it is the only
                                            trace of a decline on the wire)
  their remote NONE         p.remote > local, we had not declined: neither added, request none
==========================  ==============  ===================================================
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from statuscli.core.payloads.contact_requests import DISMISSED, NONE, RECEIVED, SENT, Propagated

REQUEST_STATES = ("none", "pending-in", "pending-out", "accepted", "declined", "removed")


@dataclass(frozen=True)
class Relation:
    added_by_us: bool = False
    added_us: bool = False
    request: str = "none"
    local_clock: int = 0
    remote_clock: int = 0

    @property
    def mutual(self) -> bool:
        return self.added_by_us and self.added_us

    @property
    def we_declined(self) -> bool:
        return self.request == "declined" and not self.added_by_us

    def propagated(self) -> Propagated:
        """Our view, as status-go puts it in a ContactUpdate (``Contact.ContactRequestPropagatedState``)."""
        local = SENT if self.added_by_us else DISMISSED if self.we_declined else NONE
        return Propagated(self.local_clock, local, self.remote_clock, RECEIVED if self.added_us else NONE)


def we_request(r: Relation, clock: int) -> Relation:
    if clock <= r.local_clock:
        return r
    return replace(r, added_by_us=True, local_clock=clock, request="accepted" if r.added_us else "pending-out")


def we_decline(r: Relation, clock: int) -> Relation:
    if clock <= r.local_clock:
        return r
    return replace(r, added_by_us=False, local_clock=clock, request="declined")


def we_remove(r: Relation, clock: int) -> Relation:
    if clock <= r.local_clock:
        return r
    return Relation(False, False, "removed", clock, max(clock, r.remote_clock))


def they_request(r: Relation, clock: int) -> Relation:
    if clock <= r.remote_clock:
        return r
    request = "declined" if r.we_declined else "accepted" if r.added_by_us else "pending-in"
    return replace(r, added_us=True, remote_clock=clock, request=request)


def they_retract(r: Relation, clock: int) -> Relation:
    if clock <= r.remote_clock:
        return r
    if r.we_declined:
        return replace(r, added_us=False, remote_clock=clock)
    return replace(r, added_us=False, added_by_us=False, remote_clock=clock, local_clock=max(clock, r.local_clock), request="removed")


def they_propagate(r: Relation, p: Propagated) -> Relation:
    if p.remote_clock > r.local_clock and not r.we_declined and p.remote_state == NONE and (r.added_by_us or r.added_us):
        r = Relation(False, False, "none", p.remote_clock, r.remote_clock)
    if p.local_clock > r.remote_clock:
        if p.local_state == SENT:
            r = they_request(r, p.local_clock)
        elif p.local_state == NONE:
            r = they_retract(r, p.local_clock)
        elif p.local_state == DISMISSED and p.local_clock > r.local_clock:  # a decline of our newest request, not an older one
            r = replace(r, added_us=False, remote_clock=p.local_clock, request="declined" if r.added_by_us else r.request)
    return r
