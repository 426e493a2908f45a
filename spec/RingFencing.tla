----------------------------- MODULE RingFencing -----------------------------
(***************************************************************************)
(* Taking over the producer role of a ring whose old holder may still be   *)
(* running: a paused VM or a SIGSTOPped process resumes between any two of *)
(* its shared-memory accesses, unaware that its lease expired.  Between    *)
(* kernels nothing can stop it: no lock, no signal reaches it.  The rule   *)
(* checked here (docs/decisions/0901, restated for layout version 3,       *)
(* commit in the record: DataportRing.tla) is that such a late writer can  *)
(* only land in bytes that no live record and no reachable header uses,    *)
(* and can only commit a complete record where the consumer reads next:    *)
(*                                                                         *)
(* 0. Layout version 3.  The consumer never reads the producer position:   *)
(*    at its position it reads the header slot once: the END MARKER "E"    *)
(*    means no record yet, a record header "H" a committed record, a       *)
(*    padding "D" bytes to skip (it may end before the region end: over a  *)
(*    hole).  A record is committed by the CAS of its header from the end  *)
(*    marker that held its slot, after its payload and, at the slot after  *)
(*    it, a new end marker were stored.  The producer position word is     *)
(*    only a recovery hint, published lazily.                              *)
(* 1. Every word that decides what the consumer reads is written by a      *)
(*    compare-and-set that fails for a stale holder (fencing tokens):      *)
(*    - the reservation word W = (epoch, end): a holder stores only below  *)
(*      the end it reserved (its end markers too), extending it by CAS;    *)
(*    - the producer position word (epoch, position), published by CAS;    *)
(*    - record and padding headers, CASed from the end marker read at the  *)
(*      claim (ReadSlot: anything else there means we lost), after which   *)
(*      the holder checks that the position word still holds its epoch     *)
(*      (CheckEpoch).  The END MARKER CARRIES ITS WRITER'S EPOCH, so that  *)
(*      no end marker written after a takeover equals one the old holder   *)
(*      read (mutant FencingEndMarkerWithoutEpoch: the ABA);               *)
(*    - an end marker at the FIRST SLOT OF A LAP (after a record or a      *)
(*      padding that ends at the region end), CASed from the value read    *)
(*      there before CheckEpoch (ReadEndSlot); other end markers are       *)
(*      plain stores (mutant FencingPlainEndMarkerAtLapStart).             *)
(*    The last two are not in the rule as first stated: TLC found both.    *)
(* 2. A taker, in this order: fences W with its epoch (FenceReservation:   *)
(*    the old holder's stores now fall below its end R), reads the hint P  *)
(*    and its epoch (ReadPosition), records [P, R) as a HOLE with that     *)
(*    epoch (RecordHole), fences the position word and reads the consumer  *)
(*    position C (FencePosition).  Records the old holder committed after  *)
(*    P are visible and live: the taker FINDS the frontier by a scan from  *)
(*    LaterOf(P, C) over committed headers to the first end marker         *)
(*    (ScanForEnd, bounded by R and by C + CAPACITY), and pads from there  *)
(*    to the end of the hole: the end marker at the hole's end (or at the  *)
(*    next lap's first slot if the hole wraps) first, then the padding     *)
(*    header by CAS from the end marker the scan read (WriteEndMarker,     *)
(*    WritePadding; the rest of a wrapping hole is the next claim's).  If  *)
(*    that CAS fails, the old holder's late commit won the race at that    *)
(*    slot (its payload and end marker were stored before its CAS): the    *)
(*    taker scans on past it.  On later laps every holder pads over every  *)
(*    hole from its start (holes that overlap or touch as one).            *)
(* 3. A holder that learns it lost (a failed CAS, CheckEpoch, a ReadSlot   *)
(*    that finds no end marker) makes no further store except removing     *)
(*    the holes of its own epoch: all its stores happened before, so the   *)
(*    range is free again.  A holder that never comes back (crashed)       *)
(*    leaves its hole: capacity, never data.                               *)
(*                                                                         *)
(* Takeover may happen at any moment here (the lease expiry is the worst   *)
(* case: see LeaseExpiry.tla for when a live holder is never taken over).  *)
(* Records are one slot: a header word and a payload word written by two   *)
(* separate stores, so a late payload store is a step of its own.  No      *)
(* payload word is ever at a header position, so DataportRing's payload    *)
(* cell read as a header has no counterpart here; what a late store could  *)
(* do to a header the consumer reads is checked by CommittedReachable.     *)
(* "G" is a word nobody wrote (the region's first bytes): a consumer or a  *)
(* scan that reads it as a header is fooled (NeverFooled).  Stale headers  *)
(* of earlier laps keep their value (record ids are unique): delivering    *)
(* one is caught by DeliveredIntact, and a CAS that finds one behaves as   *)
(* the real one would.                                                     *)
(*                                                                         *)
(* One record per commit: batching adds no case.  A batch holds back the   *)
(* header of its first record (its slot keeps the end marker) and writes   *)
(* the later headers behind it, where the consumer cannot reach them until *)
(* that first header is CASed from the end marker: the commit of the whole *)
(* batch, which is this model's WriteRecordHeader of a longer record.  The *)
(* later headers (CASes from the end marker the holder itself left there)  *)
(* lie, like payload, inside the holder's reservation, hence in its hole,  *)
(* after the held header: never at the hole's start nor at the frontier a  *)
(* taker finds (the held header's slot).  The one other place a taker puts *)
(* a header in a hole is the first slot of a lap, and there the taker's    *)
(* end marker comes first, by CAS from what it read after its fence and    *)
(* with its epoch: the old holder's late CAS of a later header there,      *)
(* which expects the old holder's end marker, fails.                       *)
(* Action names are the Java method names (docs/verification.md).          *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    CAPACITY,    \* slots in the data region
    POSMOD,      \* positions are counters modulo POSMOD (a multiple of CAPACITY)
    Claimants,   \* processes that may hold the producer role, one after another
    CHUNK,       \* slots a holder reserves at a time (at least what a claim needs)
    MAXEPOCH,    \* bound on the number of times the role is claimed
    MAXID        \* bound on the records written (ghost ids 1..MAXID)

ASSUME /\ CAPACITY \in Nat /\ CAPACITY >= 2
       /\ POSMOD % CAPACITY = 0 /\ POSMOD >= 2 * CAPACITY
       /\ CHUNK \in 1..CAPACITY
       /\ MAXEPOCH \in Nat \ {0} /\ MAXID \in Nat \ {0}

VARIABLES
    \* ---- shared memory -------------------------------------------------
    buf,        \* slot -> [h: header word, d: payload word]
    resv,       \* reservation word [ep, end]
    ppos,       \* producer position word [ep, pos]: the recovery hint
    cpos,       \* consumer position (the consumer is not taken over here)
    lease,      \* lease word [ep, owner]
    holes,      \* hole table: set of [start: slot, len: slots, ep]
    \* ---- each claimant's private state ----------------------------------
    pc,         \* claimant -> "out" | "idle" | "full" | "scan" | "read" | "readend"
                \*             | "check" | "write" | "end" | "header" | "pad"
                \*             | "take1" .. "take4" | "lost" | "gone" | "down"
                \*             | "poisoned" | "fooled"
    ep,         \* claimant -> its epoch (0 before it ever claimed)
    tail,       \* its own position: its frontier, or where its scan is
    pub,        \* the position it last published
    myEnd,      \* the end of its reservation
    cacheC,     \* its cached consumer position
    seen,       \* the header value read at the claim (the CAS's expected value)
    seenEnd,    \* the value read at a lap's first slot before its end marker CAS
    padTo,      \* slots of the padding being written (0: a record)
    rid,        \* the id of the record being written (its payload)
    first,      \* a taker that has not found and padded its frontier yet
    tk,         \* a taker's reading: [wep, wend, pep, ppos]
    \* ---- consumer ------------------------------------------------------
    cpc,        \* "poll" | "payload" | "poisoned" | "fooled" | "bad"
    head, curId,
    \* ---- ghost --------------------------------------------------------
    nextId,     \* the next record id to write
    committed,  \* ids committed (header CAS), in order
    delivered,  \* how many of them the consumer delivered
    live,       \* set of [slot, id]: records committed and not yet consumed
    writer,     \* id -> epoch of the holder that committed it
    late,       \* a plain store was made by a holder already fenced
    released,   \* a hole was removed by the holder it fenced
    lateIds,    \* ids committed by a holder whose position word was already fenced
    raced       \* a taker's padding CAS at its frontier failed (someone committed there)

shared   == <<buf, resv, ppos, cpos, lease, holes>>
private  == <<pc, ep, tail, pub, myEnd, cacheC, seen, seenEnd, padTo, rid, first, tk>>
consumer == <<cpc, head, curId>>
ghost    == <<nextId, committed, delivered, live, writer, late, released, lateIds, raced>>
vars     == <<shared, private, consumer, ghost>>

-----------------------------------------------------------------------------
Slots  == 0..CAPACITY-1
Pos    == 0..POSMOD-1
Epochs == 0..MAXEPOCH
None   == "none"

\* Header words.  The end marker carries the epoch of its writer: a header CAS
\* expects the very end marker it read, and no end marker written after a
\* takeover has the old holder's epoch (else a late commit lands on a newer
\* end marker: mutant FencingEndMarkerWithoutEpoch).
Garbage    == [k |-> "G", id |-> 0, n |-> 0, ep |-> 0]   \* bytes nobody wrote
EndMark(e) == [k |-> "E", id |-> 0, n |-> 0, ep |-> e]   \* the end marker: no record here yet
Hdr(i)     == [k |-> "H", id |-> i, n |-> 1, ep |-> 0]   \* a record header (one-slot record)
Pad(n)     == [k |-> "D", id |-> 0, n |-> n, ep |-> 0]   \* a padding of n slots

NoTk == [wep |-> 0, wend |-> 0, pep |-> 0, ppos |-> 0]

Dist(a, b) == (b - a + POSMOD) % POSMOD        \* b - a of free-running counters
Add(a, n)  == (a + n) % POSMOD
Idx(p)     == p % CAPACITY
Min(a, b)  == IF a < b THEN a ELSE b
Max(a, b)  == IF a < b THEN b ELSE a
\* Slot i lies in hole h (holes may wrap around the end of the region).
InHole(i, h) == ((i - h.start) + CAPACITY) % CAPACITY < h.len
HoleAt(i)    == {h \in holes : InHole(i, h)}
InAnyHole(i) == HoleAt(i) # {}
\* The later of a hint p and a consumer position c, which are within a lap
\* of each other (DataportRing.LaterOf).
LaterOf(p, c) == IF Dist(c, p) <= CAPACITY THEN p ELSE c
\* The position word no longer holds this claimant's epoch: a taker fenced it.
PositionFenced(c) == ppos.ep # ep[c]

-----------------------------------------------------------------------------
\* The creator's region: arbitrary bytes, an end marker at slot 0.
Init ==
    /\ buf = [i \in Slots |-> [h |-> IF i = 0 THEN EndMark(0) ELSE Garbage, d |-> 0]]
    /\ resv = [ep |-> 0, end |-> 0]
    /\ ppos = [ep |-> 0, pos |-> 0]
    /\ cpos = 0
    /\ lease = [ep |-> 0, owner |-> None]
    /\ holes = {}
    /\ pc = [c \in Claimants |-> "out"]
    /\ ep = [c \in Claimants |-> 0]
    /\ tail = [c \in Claimants |-> 0]
    /\ pub = [c \in Claimants |-> 0]
    /\ myEnd = [c \in Claimants |-> 0]
    /\ cacheC = [c \in Claimants |-> 0]
    /\ seen = [c \in Claimants |-> Garbage]
    /\ seenEnd = [c \in Claimants |-> Garbage]
    /\ padTo = [c \in Claimants |-> 0]
    /\ rid = [c \in Claimants |-> 0]
    /\ first = [c \in Claimants |-> FALSE]
    /\ tk = [c \in Claimants |-> NoTk]
    /\ cpc = "poll" /\ head = 0 /\ curId = 0
    /\ nextId = 1 /\ committed = <<>> /\ delivered = 0 /\ live = {}
    /\ writer = [i \in 1..MAXID |-> 0] /\ late = FALSE /\ released = FALSE
    /\ lateIds = {} /\ raced = FALSE

-----------------------------------------------------------------------------
\* A CAS of a fenced word failed, or a fenced word holds a newer epoch: this
\* claimant lost the role.  Its next step removes the holes of its own epoch
\* (every store it made came before) and it stops (ReleaseHoles).
LoseRole(c) ==
    /\ pc' = [pc EXCEPT ![c] = "lost"]
    /\ UNCHANGED <<holes>>

\* A claimant that stopped (gone, down) keeps no private state: what it held
\* is never used again (its holes keep their epoch; a state-space saving).
Forget(c) ==
    /\ ep' = [ep EXCEPT ![c] = 0]
    /\ tail' = [tail EXCEPT ![c] = 0]
    /\ pub' = [pub EXCEPT ![c] = 0]
    /\ myEnd' = [myEnd EXCEPT ![c] = 0]
    /\ cacheC' = [cacheC EXCEPT ![c] = 0]
    /\ seen' = [seen EXCEPT ![c] = Garbage]
    /\ seenEnd' = [seenEnd EXCEPT ![c] = Garbage]
    /\ padTo' = [padTo EXCEPT ![c] = 0]
    /\ rid' = [rid EXCEPT ![c] = 0]
    /\ first' = [first EXCEPT ![c] = FALSE]
    /\ tk' = [tk EXCEPT ![c] = NoTk]

(*************************** taking the role *******************************)

\* Lease.claim: CAS of the lease word to (epoch + 1, me).  Whether the old
\* lease expired is LeaseExpiry.tla's business: here any claim may win.
\* (NewEpoch is a parameter only for the mutant TakeoverKeepsEpoch.)
ClaimLeaseWith(c, NewEpoch) ==
    /\ pc[c] \in {"out", "gone", "down"}
    /\ lease.ep < MAXEPOCH
    /\ lease' = [ep |-> NewEpoch, owner |-> c]
    /\ ep' = [ep EXCEPT ![c] = NewEpoch]
    /\ pc' = [pc EXCEPT ![c] = "take1"]
    /\ UNCHANGED <<buf, resv, ppos, cpos, holes, tail, pub, myEnd, cacheC, seen, seenEnd,
                   padTo, rid, first, tk, consumer, ghost>>

ClaimLease(c) == ClaimLeaseWith(c, lease.ep + 1)

\* Takeover step 1: fence the reservation word: CAS it from the value just read
\* to (my epoch, same end).  From now on the old holder cannot reserve: all
\* its stores fall below that end R.  (A CAS loop: read, CAS, retry; one step.)
FenceReservationWith(NewEpoch(_)) ==
  \E c \in Claimants :
    /\ pc[c] = "take1"
    /\ IF resv.ep > ep[c]          \* a newer taker got there first
       THEN LoseRole(c) /\ UNCHANGED <<resv, tk>>
       ELSE /\ resv' = [ep |-> NewEpoch(c), end |-> resv.end]
            /\ tk' = [tk EXCEPT ![c] = [wep |-> resv.ep, wend |-> resv.end, pep |-> 0, ppos |-> 0]]
            /\ pc' = [pc EXCEPT ![c] = "take2"]
    /\ UNCHANGED <<buf, ppos, cpos, lease, holes, ep, tail, pub, myEnd, cacheC, seen, seenEnd,
                   padTo, rid, first, consumer, ghost>>

\* Takeover step 2: read the position word (the hint P, and the epoch of the
\* last holder that fenced it: the only one that may still have stores in flight).
ReadPosition(c) ==
    /\ pc[c] = "take2"
    /\ IF ppos.ep > ep[c]
       THEN LoseRole(c) /\ UNCHANGED tk
       ELSE /\ tk' = [tk EXCEPT ![c].pep = ppos.ep, ![c].ppos = ppos.pos]
            /\ pc' = [pc EXCEPT ![c] = "take3"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, seenEnd, padTo, rid, first,
                   consumer, ghost>>

\* Takeover step 3: record [P, R) as a hole of that epoch BEFORE fencing the
\* position word, so that a taker that pauses here leaves the hole for its
\* own successor.  The hole also covers the records the old holder committed
\* after P (the hint is lazy): only conservative, they are padded over on
\* later laps, once consumed.
HoleOf(t) == [start |-> Idx(t.ppos), len |-> Dist(t.ppos, t.wend), ep |-> t.pep]

RecordHoleWith(Hole(_)) ==
  \E c \in Claimants :
    /\ pc[c] = "take3"
    /\ holes' = IF Dist(tk[c].ppos, tk[c].wend) = 0 THEN holes
                ELSE holes \cup {Hole(tk[c])}
    /\ pc' = [pc EXCEPT ![c] = "take4"]
    /\ UNCHANGED <<buf, resv, ppos, cpos, lease, ep, tail, pub, myEnd, cacheC, seen, seenEnd,
                   padTo, rid, first, tk, consumer, ghost>>

RecordHole == RecordHoleWith(HoleOf)

\* Takeover step 4: CAS the position word to (my epoch, same position), read
\* the consumer position, and start the scan for the frontier at the later
\* of the two (the hint may lag behind the consumer).  (ScanFrom(_, _) and
\* Then are parameters only for the mutant FencingPadFromHint.)
FencePositionWith(NewEpoch(_), ScanFrom(_, _), Then) ==
  \E c \in Claimants :
    /\ pc[c] = "take4"
    /\ IF ppos.ep > ep[c]
       THEN LoseRole(c) /\ UNCHANGED <<ppos, tail, pub, myEnd, cacheC, first>>
       ELSE /\ ppos' = [ep |-> NewEpoch(c), pos |-> ppos.pos]
            /\ pc' = [pc EXCEPT ![c] = Then]
            /\ tail' = [tail EXCEPT ![c] = ScanFrom(ppos.pos, cpos)]
            /\ pub' = [pub EXCEPT ![c] = ppos.pos]
            /\ myEnd' = [myEnd EXCEPT ![c] = tk[c].wend]
            /\ cacheC' = [cacheC EXCEPT ![c] = cpos]
            /\ first' = [first EXCEPT ![c] = (Then = "scan")]
    /\ UNCHANGED <<buf, resv, cpos, lease, holes, ep, seen, seenEnd, padTo, rid, tk,
                   consumer, ghost>>

FenceReservation == FenceReservationWith(LAMBDA c : ep[c])
FencePosition    == FencePositionWith(LAMBDA c : ep[c], LaterOf, "scan")

-----------------------------------------------------------------------------
(******************************* producing ***********************************)

ReleaseHoles(c) ==
    /\ pc[c] = "lost"
    /\ holes' = {h \in holes : h.ep # ep[c]}
    /\ released' = (released \/ \E h \in holes : h.ep = ep[c])
    /\ pc' = [pc EXCEPT ![c] = "gone"]
    /\ Forget(c)
    /\ UNCHANGED <<buf, resv, ppos, cpos, lease, consumer, nextId, committed, delivered, live,
                   writer, late, lateIds, raced>>

\* A padding from slot i: to the first slot after i in no hole (holes that
\* overlap or touch are padded as one, so that no padding header lies inside
\* a hole but at the first slot of a lap), or to the region end if sooner.
PadLen(i) ==
    CHOOSE k \in 1..(CAPACITY - i) :
        /\ k = CAPACITY - i \/ ~InAnyHole(i + k)
        /\ \A j \in 1..k-1 : InAnyHole(i + j)

\* The claim at tail: a padding when the tail lies in a hole (as read in the
\* shared hole table), else a one-slot record; either needs one more slot
\* for the end marker after it.
ClaimLen(c) == IF InAnyHole(Idx(tail[c])) THEN PadLen(Idx(tail[c])) ELSE 1
Need(c)     == ClaimLen(c) + 1
\* Room by the cached consumer position: no store at or beyond cpos + CAPACITY.
Room(c)     == Dist(cacheC[c], tail[c]) + Need(c) <= CAPACITY
\* The reservation covers every slot of the claim, the end marker's too.
Covered(c)  == Dist(tail[c], myEnd[c]) >= Need(c) /\ Dist(tail[c], myEnd[c]) <= CAPACITY

\* tryClaim: with the cached consumer position there must be room for the
\* claim and its end marker (else "full", then RefreshConsumerPosition); the
\* reservation must cover it (else Reserve first).  A taker that has not
\* found its frontier yet scans for it (ScanForEnd).  A tail inside a hole
\* means a padding (PadLen); a record needs an id left (the model's bound).
TryClaim(c) ==
    /\ pc[c] = "idle"
    /\ IF ~Room(c)
       THEN pc' = [pc EXCEPT ![c] = "full"] /\ UNCHANGED padTo
       ELSE /\ Covered(c)
            /\ IF first[c]
               THEN pc' = [pc EXCEPT ![c] = "scan"] /\ UNCHANGED padTo
               ELSE IF InAnyHole(Idx(tail[c]))
                    THEN /\ padTo' = [padTo EXCEPT ![c] = ClaimLen(c)]
                         /\ pc' = [pc EXCEPT ![c] = "read"]
                    ELSE /\ nextId <= MAXID
                         /\ padTo' = [padTo EXCEPT ![c] = 0]
                         /\ pc' = [pc EXCEPT ![c] = "read"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, seenEnd, rid, first, tk,
                   consumer, ghost>>

\* The slot of the end marker after the claim, and whether it is the first
\* slot of a lap (then it is written by CAS: WriteEndMarker).
EndPos(c)      == Add(tail[c], IF padTo[c] = 0 THEN 1 ELSE padTo[c])
AtLapStart(p)  == Idx(p) = 0
AfterRead(c)   == IF AtLapStart(EndPos(c)) THEN "readend" ELSE "check"

\* ScanForEnd (RingProducer.findEnd, run by a taker): one header per step from
\* the later of the hint and the consumer position, validated as the consumer
\* validates it, never past the old reservation's end R nor past
\* cacheC + CAPACITY (so bounded).  Records and paddings are passed; the end
\* marker is the frontier.  Outside every hole the taker simply goes on from
\* there; inside a hole it pads from there to the hole's end (the scan's read
\* is the claim's ReadSlot), once the room and its reservation allow.
InScan(c, p) == /\ Dist(cacheC[c], p) < CAPACITY
                /\ Dist(cacheC[c], p) <= Dist(cacheC[c], tk[c].wend)

\* A scan that fails validation re-reads the position word: a newer epoch
\* there means this taker was itself taken over while it scanned (the chain
\* it follows moved on: it lost, it has stored nothing yet); with its own
\* epoch still there the ring is corrupt (poisoned) or it read bytes nobody
\* wrote as a header (fooled).  (Two loads folded into one step: the verdict
\* only decides how it stops.)
ScanFailed(c, why) == IF PositionFenced(c) THEN LoseRole(c) ELSE pc' = [pc EXCEPT ![c] = why]

ScanForEnd(c) ==
    /\ pc[c] = "scan"
    /\ LET p == tail[c]
           v == buf[Idx(p)].h
       IN CASE ~InScan(c, p) ->
                    ScanFailed(c, "poisoned") /\ UNCHANGED <<tail, seen, padTo, first>>
            [] v.k = "G" ->
                    ScanFailed(c, "fooled") /\ UNCHANGED <<tail, seen, padTo, first>>
            [] v.k = "E" /\ ~InAnyHole(Idx(p)) ->
                    /\ pc' = [pc EXCEPT ![c] = "idle"]
                    /\ first' = [first EXCEPT ![c] = FALSE]
                    /\ UNCHANGED <<tail, seen, padTo>>
            [] v.k = "E" ->
                    IF Room(c) /\ Covered(c)
                    THEN /\ seen' = [seen EXCEPT ![c] = v]
                         /\ padTo' = [padTo EXCEPT ![c] = ClaimLen(c)]
                         /\ pc' = [pc EXCEPT ![c] = IF AtLapStart(Add(p, ClaimLen(c)))
                                                    THEN "readend" ELSE "check"]
                         /\ UNCHANGED <<tail, first>>
                    ELSE /\ pc' = [pc EXCEPT ![c] = IF Room(c) THEN "idle" ELSE "full"]
                         /\ UNCHANGED <<tail, seen, padTo, first>>
            [] v.k = "H" /\ InScan(c, Add(p, 1)) ->
                    tail' = [tail EXCEPT ![c] = Add(p, 1)] /\ UNCHANGED <<pc, seen, padTo, first>>
            [] v.k = "D" /\ v.n \in 1..(CAPACITY - Idx(p)) /\ InScan(c, Add(p, v.n)) ->
                    tail' = [tail EXCEPT ![c] = Add(p, v.n)] /\ UNCHANGED <<pc, seen, padTo, first>>
            [] OTHER ->
                    ScanFailed(c, "poisoned") /\ UNCHANGED <<tail, seen, padTo, first>>
    /\ UNCHANGED <<shared, ep, pub, myEnd, cacheC, seenEnd, rid, tk, consumer, ghost>>

\* ReadSlot: the header word at tail, read once before writing (the expected
\* value of the later CAS): the end marker this holder (or its predecessor)
\* left there.  Anything else means another holder wrote at our frontier:
\* we lost.  (Accept(_) is a parameter only for the mutant FencingPadFromHint,
\* which CASes from whatever it read, as layout version 2 did.)
ReadSlotWith(c, Accept(_)) ==
    /\ pc[c] = "read"
    /\ LET v == buf[Idx(tail[c])].h IN
       IF Accept(v)
       THEN /\ seen' = [seen EXCEPT ![c] = v]
            /\ pc' = [pc EXCEPT ![c] = AfterRead(c)]
       ELSE LoseRole(c) /\ UNCHANGED seen
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seenEnd, padTo, rid, first, tk,
                   consumer, ghost>>

ReadSlot(c) == ReadSlotWith(c, LAMBDA v : v.k = "E")

\* ReadEndSlot: when the end marker goes to the first slot of a lap, that
\* slot too is read before CheckEpoch: the expected value of its CAS.
ReadEndSlot(c) ==
    /\ pc[c] = "readend"
    /\ seenEnd' = [seenEnd EXCEPT ![c] = buf[Idx(EndPos(c))].h]
    /\ pc' = [pc EXCEPT ![c] = "check"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, padTo, rid, first, tk,
                   consumer, ghost>>

\* CheckEpoch (RingProducer.readSlot, last load): the position word must
\* still hold our epoch.  A taker fences that word before it stores
\* anything, so a holder that read a slot after the taker wrote it knows it
\* lost.  Without it, a holder paused before ReadSlot reads, a lap later, the
\* end marker the taker left at its slot and commits behind the taker's
\* uncommitted record; or one that read the first slot of a lap after the
\* taker padded there CASes its end marker over that padding (mutant
\* SlotEpochUnchecked).  Fenced(_) is a parameter only for that mutant.
CheckEpochWith(c, Fenced(_)) ==
    /\ pc[c] = "check"
    /\ IF Fenced(c)
       THEN LoseRole(c)
       ELSE pc' = [pc EXCEPT ![c] = IF padTo[c] = 0 THEN "write" ELSE "end"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, seenEnd, padTo, rid, first, tk,
                   consumer, ghost>>

CheckEpoch(c) == CheckEpochWith(c, PositionFenced)

\* Reserve: the reservation does not cover the claim: CAS W from (my epoch,
\* end) to (my epoch, tail + at least what the claim needs), never past the
\* cached consumer position + CAPACITY and never more than a lap past the
\* hint (Java publishes the hint with every reservation; a hole is then at
\* most a lap).  Fails once fenced.
ReserveEnd(c) ==
    Add(tail[c], Min(Max(CHUNK, Need(c)),
                     Min(CAPACITY - Dist(cacheC[c], tail[c]), CAPACITY - Dist(pub[c], tail[c]))))

ReserveWith(c, Owns(_)) ==
    /\ pc[c] = "idle"
    /\ Room(c)
    /\ ~Covered(c)
    /\ Dist(pub[c], tail[c]) + Need(c) <= CAPACITY      \* else publish the hint first
    /\ nextId <= MAXID \/ first[c] \/ InAnyHole(Idx(tail[c]))
    /\ IF Owns(c)
       THEN /\ resv' = [ep |-> ep[c], end |-> ReserveEnd(c)]
            /\ myEnd' = [myEnd EXCEPT ![c] = ReserveEnd(c)]
            /\ UNCHANGED pc
       ELSE /\ LoseRole(c) /\ UNCHANGED <<resv, myEnd>>
    /\ UNCHANGED <<buf, ppos, cpos, lease, holes, ep, tail, pub, cacheC, seen, seenEnd, padTo,
                   rid, first, tk, consumer, ghost>>

OwnsReservation(c) == resv = [ep |-> ep[c], end |-> myEnd[c]]
Reserve(c) == ReserveWith(c, OwnsReservation)

RefreshConsumerPosition(c) ==
    /\ pc[c] = "full"
    /\ cacheC' = [cacheC EXCEPT ![c] = cpos]
    /\ pc' = [pc EXCEPT ![c] = "idle"]
    /\ cpos # cacheC[c]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, seen, seenEnd, padTo, rid, first, tk,
                   consumer, ghost>>

\* WritePayload: a plain store.  This is the store a paused holder makes late.
WritePayload(c) ==
    /\ pc[c] = "write"
    /\ nextId <= MAXID
    /\ buf' = [buf EXCEPT ![Idx(tail[c])].d = nextId]
    /\ rid' = [rid EXCEPT ![c] = nextId]
    /\ nextId' = nextId + 1
    /\ pc' = [pc EXCEPT ![c] = "end"]
    /\ late' = (late \/ ppos.ep # ep[c])
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, tail, pub, myEnd, cacheC, seen, seenEnd,
                   padTo, first, tk, consumer, committed, delivered, live, writer, released,
                   lateIds, raced>>

\* WriteEndMarker (SharedRing.writeEndMarker): the end marker, with our epoch,
\* at the slot after the record or padding, before its header makes it
\* reachable.  A plain store, the other store a paused holder makes late,
\* except at the first slot of a lap: there a CAS from the value ReadEndSlot
\* read; a failure that finds an end marker there already stores nothing
\* and goes on (an end marker is all we wanted there); any other failure:
\* we lost.  LapStartCas(_) and MarkEp(_) are parameters only for the
\* mutants FencingPlainEndMarkerAtLapStart and FencingEndMarkerWithoutEpoch.
WriteEndMarkerWith(c, LapStartCas(_), MarkEp(_)) ==
    /\ pc[c] = "end"
    /\ LET e   == Idx(EndPos(c))
           act == IF e # 0 THEN "store" ELSE LapStartCas(c)
       IN CASE act = "store" ->
                    /\ buf' = [buf EXCEPT ![e].h = EndMark(MarkEp(c))]
                    /\ pc' = [pc EXCEPT ![c] = IF padTo[c] = 0 THEN "header" ELSE "pad"]
                    /\ late' = (late \/ PositionFenced(c))
            [] act = "skip" ->
                    /\ pc' = [pc EXCEPT ![c] = IF padTo[c] = 0 THEN "header" ELSE "pad"]
                    /\ UNCHANGED <<buf, late>>
            [] OTHER ->
                    LoseRole(c) /\ UNCHANGED <<buf, late>>
    /\ seenEnd' = [seenEnd EXCEPT ![c] = Garbage]
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, tail, pub, myEnd, cacheC, seen, padTo,
                   rid, first, tk, consumer, nextId, committed, delivered, live, writer,
                   released, lateIds, raced>>

EndMarkerCas(c) == IF buf[0].h = seenEnd[c] THEN "store"
                   ELSE IF buf[0].h.k = "E" THEN "skip" ELSE "lost"
WriteEndMarker(c) == WriteEndMarkerWith(c, EndMarkerCas, LAMBDA x : ep[x])

\* WriteRecordHeader (commitBatched): CAS of the header word from the end
\* marker read at the claim.  THE COMMIT: the record is visible to the
\* consumer at once (abstract Enqueue).
WriteRecordHeaderWith(c, Cas(_, _)) ==
    /\ pc[c] = "header"
    /\ LET i == Idx(tail[c]) IN
       IF Cas(c, i)
       THEN /\ buf' = [buf EXCEPT ![i].h = Hdr(rid[c])]
            /\ tail' = [tail EXCEPT ![c] = Add(tail[c], 1)]
            /\ committed' = Append(committed, rid[c])
            /\ live' = live \cup {[slot |-> i, id |-> rid[c]]}
            /\ writer' = [writer EXCEPT ![rid[c]] = ep[c]]
            /\ lateIds' = IF ppos.ep # ep[c] THEN lateIds \cup {rid[c]} ELSE lateIds
            /\ pc' = [pc EXCEPT ![c] = "idle"]
            /\ rid' = [rid EXCEPT ![c] = 0]
       ELSE /\ LoseRole(c)
            /\ UNCHANGED <<buf, tail, committed, live, writer, lateIds, rid>>
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, pub, myEnd, cacheC, seen, seenEnd, padTo,
                   first, tk, consumer, nextId, delivered, late, released, raced>>

HeaderCas(c, i) == buf[i].h = seen[c]
WriteRecordHeader(c) == WriteRecordHeaderWith(c, HeaderCas)

\* WritePadding over (the rest of) a hole: CAS of the header word from the
\* end marker read.  A taker that has not found its frontier yet, whose CAS
\* fails, scans on from the same slot: the old holder's late commit won
\* there (its payload and end marker were stored before its CAS).  Any other
\* failed CAS: we lost.  (OnFail is a parameter only for the mutant
\* FencingLateCommitIgnored.)
PaddingCas(c) == buf[Idx(tail[c])].h = seen[c]

WritePaddingWith(c, Cas(_), OnFail(_)) ==
    /\ pc[c] = "pad"
    /\ IF Cas(c)
       THEN /\ buf' = [buf EXCEPT ![Idx(tail[c])].h = Pad(padTo[c])]
            /\ tail' = [tail EXCEPT ![c] = Add(tail[c], padTo[c])]
            /\ pc' = [pc EXCEPT ![c] = "idle"]
            /\ first' = [first EXCEPT ![c] = FALSE]
            /\ padTo' = [padTo EXCEPT ![c] = 0]
            /\ UNCHANGED raced
       ELSE OnFail(c)
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, pub, myEnd, cacheC, seen, seenEnd, rid,
                   tk, consumer, nextId, committed, delivered, live, writer, late, released,
                   lateIds>>

ScanOn(c) ==
    /\ IF first[c]
       THEN pc' = [pc EXCEPT ![c] = "scan"] /\ raced' = TRUE
       ELSE LoseRole(c) /\ UNCHANGED raced
    /\ UNCHANGED <<buf, tail, first, padTo>>

WritePadding(c) == WritePaddingWith(c, PaddingCas, ScanOn)

\* PublishProducerPosition: the recovery hint, at any time, to the tail (a
\* record boundary holding the end marker): CAS of the position word from
\* (my epoch, what I published) to (my epoch, tail).  Never read by the
\* consumer; no abstract step.
PublishProducerPosition(c) ==
    /\ pc[c] \in {"idle", "full"}
    /\ tail[c] # pub[c]
    /\ IF ppos = [ep |-> ep[c], pos |-> pub[c]]
       THEN /\ ppos' = [ep |-> ep[c], pos |-> tail[c]]
            /\ pub' = [pub EXCEPT ![c] = tail[c]]
            /\ UNCHANGED pc
       ELSE /\ LoseRole(c) /\ UNCHANGED <<ppos, pub>>
    /\ UNCHANGED <<buf, resv, cpos, lease, holes, ep, tail, myEnd, cacheC, seen, seenEnd, padTo,
                   rid, first, tk, consumer, ghost>>

\* A holder dies at any instruction: it never writes again and never removes its holes.
Crash(c) ==
    /\ pc[c] \notin {"out", "gone", "down", "poisoned", "fooled"}
    /\ pc' = [pc EXCEPT ![c] = "down"]
    /\ Forget(c)
    /\ UNCHANGED <<shared, consumer, ghost>>

-----------------------------------------------------------------------------
(******************************* consuming ***********************************)

\* RingConsumer.poll: the header slot at our position, read once (never the
\* producer position).  The end marker: nothing yet (no step).  A record:
\* deliver it.  A padding inside the region: skip it.  Bytes nobody wrote
\* as a header: fooled (they could have read as any header).  Anything
\* else fails validation.
ReadRecordHeader ==
    /\ cpc = "poll"
    /\ LET v == buf[Idx(head)].h IN
       /\ v.k # "E"
       /\ CASE v.k = "H" ->
                    cpc' = "payload" /\ curId' = v.id /\ UNCHANGED <<head, cpos>>
            [] v.k = "D" /\ v.n \in 1..(CAPACITY - Idx(head)) ->
                    head' = Add(head, v.n) /\ cpos' = Add(head, v.n) /\ UNCHANGED <<cpc, curId>>
            [] v.k = "G" ->
                    cpc' = "fooled" /\ UNCHANGED <<head, cpos, curId>>
            [] OTHER ->
                    cpc' = "poisoned" /\ UNCHANGED <<head, cpos, curId>>
    /\ UNCHANGED <<buf, resv, ppos, lease, holes, private, ghost>>

\* ReadPayload, then PublishConsumerPosition (one record per batch here).
\* A record whose payload is not its own, or not the next committed one, is "bad".
ReadPayload ==
    /\ cpc = "payload"
    /\ LET ok == /\ buf[Idx(head)].d = curId
                 /\ delivered < Len(committed)
                 /\ committed[delivered + 1] = curId
       IN IF ok
          THEN /\ cpc' = "poll"
               /\ delivered' = delivered + 1
               /\ live' = live \ {[slot |-> Idx(head), id |-> curId]}
          ELSE /\ cpc' = "bad" /\ UNCHANGED <<delivered, live>>
    /\ head' = Add(head, 1)
    /\ cpos' = Add(head, 1)
    /\ UNCHANGED <<buf, resv, ppos, lease, holes, private, curId, nextId, committed,
                   writer, late, released, lateIds, raced>>

-----------------------------------------------------------------------------
Others(c)    == ReadPosition(c) \/ ReleaseHoles(c) \/ Crash(c)
Roles(c)     == ClaimLease(c) \/ Others(c)
Producing(c) == \/ TryClaim(c) \/ ScanForEnd(c) \/ ReadSlot(c) \/ ReadEndSlot(c)
                \/ CheckEpoch(c) \/ Reserve(c) \/ RefreshConsumerPosition(c)
                \/ WritePayload(c) \/ WriteEndMarker(c) \/ WriteRecordHeader(c)
                \/ WritePadding(c) \/ PublishProducerPosition(c)
Takeover     == FenceReservation \/ RecordHole \/ FencePosition
Consuming    == ReadRecordHeader \/ ReadPayload

Claimant(c)  == Roles(c) \/ Producing(c)

Next == \/ \E c \in Claimants : Claimant(c)
        \/ Takeover \/ Consuming

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(******************************* properties ********************************)

TypeOK ==
    /\ resv \in [ep : Epochs, end : Pos]
    /\ ppos \in [ep : Epochs, pos : Pos]
    /\ cpos \in Pos
    /\ pc \in [Claimants -> {"out", "idle", "full", "scan", "read", "readend", "check", "write",
                              "end", "header", "pad", "take1", "take2", "take3", "take4",
                              "lost", "gone", "down", "poisoned", "fooled"}]
    /\ cpc \in {"poll", "payload", "poisoned", "fooled", "bad"}

\* The consumer, and a taker's scan, never meet a header they cannot accept.
NeverPoisoned == cpc # "poisoned" /\ \A c \in Claimants : pc[c] # "poisoned"

\* Neither the consumer nor a taker's scan ever reads, as a header, bytes that
\* nobody wrote as a header for that position.
NeverFooled == cpc # "fooled" /\ \A c \in Claimants : pc[c] # "fooled"

\* Every record delivered is the next one committed, with its own payload.
DeliveredIntact == cpc # "bad"

\* No store, however late, ever changes a committed record that is not consumed yet.
LiveRecordsIntact ==
    \A r \in live : buf[r.slot].h = Hdr(r.id) /\ buf[r.slot].d = r.id

\* The records committed and not delivered are the first ones the consumer
\* reaches from its position, through paddings, in commit order: no late
\* store cuts the chain of headers (an end marker written over a header
\* would strand every record after it, which would otherwise only show as
\* lost liveness) and none is reached out of order.  What the chain meets
\* after them is NeverFooled's and DeliveredIntact's business.  The chain
\* stops at the first end marker, or after a lap; 0 stands for anything
\* else it meets.
RECURSIVE Chain(_, _)
Chain(p, n) ==
    IF n = 0 THEN <<0>>
    ELSE LET v == buf[Idx(p)].h IN
         CASE v.k = "E" -> <<>>
           [] v.k = "H" -> <<v.id>> \o Chain(Add(p, 1), n - 1)
           [] v.k = "D" /\ v.n \in 1..n-1 /\ Idx(p) + v.n <= CAPACITY ->
                 Chain(Add(p, v.n), n - v.n)
           [] OTHER -> <<0>>

Undelivered == SubSeq(committed, delivered + 1, Len(committed))

CommittedReachable ==
    cpc \in {"poll", "payload"} =>
        LET ch == Chain(head, CAPACITY) IN
        Len(Undelivered) <= Len(ch) /\ SubSeq(ch, 1, Len(Undelivered)) = Undelivered

\* The FIFO service across takeovers: the records committed and not yet
\* delivered, one slot each, in commit order (BoundedFifo numbers them by
\* their order, so "the next one committed" is DeliveredIntact's business).
\* Enqueue is a successful WriteRecordHeader (of any claimant, the old holder
\* included while it still may), Dequeue a delivery.
AbsQueue == [i \in 1..(Len(committed) - delivered) |-> [id |-> (delivered + i - 1) % (MAXID + 1), size |-> 1]]
Abs == INSTANCE BoundedFifo WITH queue <- AbsQueue, enq <- Len(committed) % (MAXID + 1),
                                 deq <- delivered % (MAXID + 1),
                                 IDMOD <- MAXID + 1, SIZES <- {1}, MAXBATCH <- CAPACITY
Refinement == Abs!SafetySpec

\* The hint is within a lap of the consumer (either side: it is lazy), and
\* the holder of the reservation word never stores at or beyond
\* cpos + CAPACITY, nor behind cpos: its payload at the tail, its end marker,
\* and its header or padding CAS when it would succeed (a CAS that will fail
\* stores nothing: a taker racing a late commit the consumer already passed).
\* A fenced holder's late stores are the other invariants' business.
InFront(q) == Dist(cpos, q) < CAPACITY
NoOverrun ==
    /\ Dist(cpos, ppos.pos) <= CAPACITY \/ Dist(ppos.pos, cpos) <= CAPACITY
    /\ \A c \in Claimants : resv.ep = ep[c] =>
         /\ pc[c] = "write" => InFront(tail[c])
         /\ pc[c] = "end" => InFront(EndPos(c))
         /\ pc[c] \in {"header", "pad"} /\ buf[Idx(tail[c])].h = seen[c] => InFront(tail[c])
===============================================================================
