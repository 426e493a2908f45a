----------------------------- MODULE RingFencing -----------------------------
(***************************************************************************)
(* Taking over the producer role of a ring whose old holder may still be   *)
(* running: a paused VM or a SIGSTOPped process resumes between any two of *)
(* its shared-memory accesses, unaware that its lease expired.  Between    *)
(* kernels nothing can stop it: no lock, no signal reaches it.  The rule   *)
(* checked here (docs/decisions/0901) is that such a late writer can only  *)
(* ever land in bytes that no live record uses:                            *)
(*                                                                         *)
(* 1. Every word that decides what the consumer reads is written by a      *)
(*    compare-and-set that fails for a stale holder (fencing tokens):      *)
(*    - the reservation word W = (epoch, end): a holder writes records     *)
(*      only below the end it reserved, extending it by CAS first;         *)
(*    - the producer position word = (epoch, position), published by CAS;  *)
(*    - record and padding headers, CASed from the value read before the   *)
(*      payload was written (ReadSlot), after which the holder checks that *)
(*      the position word still holds its epoch (CheckEpoch): a taker      *)
(*      fences that word before it pads anything, so a holder that read a *)
(*      slot the taker had already padded knows it lost.                   *)
(* 2. A taker fences W with its epoch, reads the position P, records the   *)
(*    old holder's reserved range [P, R) as a HOLE (with the epoch of the  *)
(*    position word it read), then fences the position word.  Late payload*)
(*    stores of the old holder can only fall in [P, R): the taker and its  *)
(*    successors write a padding over every hole on every lap, so no      *)
(*    record ever lives there.                                             *)
(* 3. A holder that learns it lost (a failed CAS) makes no further store   *)
(*    except removing the holes of its own epoch: all its stores happened  *)
(*    before that CAS, so the range is free again.  A holder that never    *)
(*    comes back (crashed) leaves its hole; that costs capacity, never data.*)
(*                                                                         *)
(* Takeover may happen at any moment here (the lease expiry is the worst   *)
(* case: see LeaseExpiry.tla for when a live holder is never taken over).  *)
(* Records are one slot: a header word and a payload word written by two   *)
(* separate stores, so a late payload store is a step of its own.          *)
(* Action names are the Java method names (docs/verification.md).          *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    CAPACITY,    \* slots in the data region
    POSMOD,      \* positions are counters modulo POSMOD (a multiple of CAPACITY)
    Claimants,   \* processes that may hold the producer role, one after another
    CHUNK,       \* slots a holder reserves at a time
    MAXEPOCH,    \* bound on the number of times the role is claimed
    MAXID        \* bound on the records written (ghost ids 1..MAXID)

ASSUME /\ CAPACITY \in Nat \ {0}
       /\ POSMOD % CAPACITY = 0 /\ POSMOD >= 2 * CAPACITY
       /\ CHUNK \in 1..CAPACITY
       /\ MAXEPOCH \in Nat \ {0} /\ MAXID \in Nat \ {0}

VARIABLES
    \* ---- shared memory -------------------------------------------------
    buf,        \* slot -> [h: header word, d: payload word]
    resv,       \* reservation word [ep, end]
    ppos,       \* producer position word [ep, pos]
    cpos,       \* consumer position (the consumer is not taken over here)
    lease,      \* lease word [ep, owner]
    holes,      \* hole table: set of [start: slot, len: slots, ep]
    \* ---- each claimant's private state ----------------------------------
    pc,         \* claimant -> "out" | "idle" | "full" | "read" | "readpad" | "check"
                \*             | "checkpad" | "write" | "header" | "pad"
                \*             | "take1" .. "take4" | "lost" | "gone" | "down"
    ep,         \* claimant -> its epoch (0 before it ever claimed)
    tail,       \* its own position (committed records, published or not)
    pub,        \* the position it last published
    myEnd,      \* the end of its reservation
    cacheC,     \* its cached consumer position
    seen,       \* the header value read before a header/padding CAS
    padTo,      \* slots of the padding being written
    pendingIds, \* [slot, id] of records committed but not published, in order
    tk,         \* a taker's reading: [wep, wend, pep, ppos]
    \* ---- consumer ------------------------------------------------------
    cpc,        \* "poll" | "payload" | "poisoned" | "bad"
    head, cachedP, curId,
    \* ---- ghost --------------------------------------------------------
    nextId,     \* the next record id to write
    committed,  \* ids published, in order
    delivered,  \* how many of them the consumer delivered
    live,       \* set of [slot, id]: records published and not yet consumed
    writer,     \* id -> epoch of the holder that wrote it
    late,       \* a payload store was made by a holder already fenced
    released    \* a hole was removed by the holder it fenced

shared   == <<buf, resv, ppos, cpos, lease, holes>>
private  == <<pc, ep, tail, pub, myEnd, cacheC, seen, padTo, pendingIds, tk>>
consumer == <<cpc, head, cachedP, curId>>
ghost    == <<nextId, committed, delivered, live, writer, late, released>>
vars     == <<shared, private, consumer, ghost>>

-----------------------------------------------------------------------------
Slots  == 0..CAPACITY-1
Pos    == 0..POSMOD-1
Epochs == 0..MAXEPOCH
Ids    == 0..MAXID
None   == "none"

Garbage      == [k |-> "G", id |-> 0, n |-> 0, ep |-> 0]
Hdr(i)       == [k |-> "H", id |-> i, n |-> 1, ep |-> 0]
Pad(n)       == [k |-> "D", id |-> 0, n |-> n, ep |-> 0]

Dist(a, b) == (b - a + POSMOD) % POSMOD        \* b - a of free-running counters
Add(a, n)  == (a + n) % POSMOD
Idx(p)     == p % CAPACITY
\* Slot i lies in hole h (holes may wrap around the end of the region).
InHole(i, h) == ((i - h.start) + CAPACITY) % CAPACITY < h.len
\* Slots from slot i to the end of hole h.
ToHoleEnd(i, h) == h.len - (((i - h.start) + CAPACITY) % CAPACITY)

-----------------------------------------------------------------------------
Init ==
    /\ buf = [i \in Slots |-> [h |-> Garbage, d |-> 0]]
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
    /\ padTo = [c \in Claimants |-> 0]
    /\ pendingIds = [c \in Claimants |-> <<>>]
    /\ tk = [c \in Claimants |-> [wep |-> 0, wend |-> 0, pep |-> 0, ppos |-> 0]]
    /\ cpc = "poll" /\ head = 0 /\ cachedP = 0 /\ curId = 0
    /\ nextId = 1 /\ committed = <<>> /\ delivered = 0 /\ live = {}
    /\ writer = [i \in 1..MAXID |-> 0] /\ late = FALSE /\ released = FALSE

-----------------------------------------------------------------------------
\* A CAS of a fenced word failed, or a fenced word holds a newer epoch: this
\* claimant lost the role.  Its next step removes the holes of its own epoch
\* (every store it made came before that CAS) and it stops (ReleaseHoles).
LoseRole(c) ==
    /\ pc' = [pc EXCEPT ![c] = "lost"]
    /\ UNCHANGED <<holes>>

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
    /\ pendingIds' = [pendingIds EXCEPT ![c] = <<>>]
    /\ UNCHANGED <<buf, resv, ppos, cpos, holes, tail, pub, myEnd, cacheC, seen,
                   padTo, tk, consumer, ghost>>

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
    /\ UNCHANGED <<buf, ppos, cpos, lease, holes, ep, tail, pub, myEnd, cacheC, seen,
                   padTo, pendingIds, consumer, ghost>>

\* Takeover step 2: read the position word (P, and the epoch of the last
\* holder that fenced it: the only one that may still have stores in flight).
ReadPosition(c) ==
    /\ pc[c] = "take2"
    /\ IF ppos.ep > ep[c]
       THEN LoseRole(c) /\ UNCHANGED tk
       ELSE /\ tk' = [tk EXCEPT ![c].pep = ppos.ep, ![c].ppos = ppos.pos]
            /\ pc' = [pc EXCEPT ![c] = "take3"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, padTo, pendingIds,
                   consumer, ghost>>

\* Takeover step 3: record [P, R) as a hole of that epoch BEFORE fencing the
\* position word, so that a taker that pauses here leaves the hole for its
\* own successor.  The old holder may still publish up to R before the fence:
\* the hole then also covers published records, which is only conservative.
HoleOf(t) == [start |-> Idx(t.ppos), len |-> Dist(t.ppos, t.wend), ep |-> t.pep]

RecordHoleWith(Hole(_)) ==
  \E c \in Claimants :
    /\ pc[c] = "take3"
    /\ holes' = IF Dist(tk[c].ppos, tk[c].wend) = 0 THEN holes
                ELSE holes \cup {Hole(tk[c])}
    /\ pc' = [pc EXCEPT ![c] = "take4"]
    /\ UNCHANGED <<buf, resv, ppos, cpos, lease, ep, tail, pub, myEnd, cacheC, seen,
                   padTo, pendingIds, tk, consumer, ghost>>

RecordHole == RecordHoleWith(HoleOf)

\* Takeover step 4: CAS the position word to (my epoch, same position); start
\* at that position: the first claim pads over the hole.
FencePositionWith(NewEpoch(_)) ==
  \E c \in Claimants :
    /\ pc[c] = "take4"
    /\ IF ppos.ep > ep[c]
       THEN LoseRole(c) /\ UNCHANGED <<ppos, tail, pub, myEnd, cacheC>>
       ELSE /\ ppos' = [ep |-> NewEpoch(c), pos |-> ppos.pos]
            /\ pc' = [pc EXCEPT ![c] = "idle"]
            /\ tail' = [tail EXCEPT ![c] = ppos.pos]
            /\ pub' = [pub EXCEPT ![c] = ppos.pos]
            /\ myEnd' = [myEnd EXCEPT ![c] = tk[c].wend]
            /\ cacheC' = [cacheC EXCEPT ![c] = cpos]
    /\ UNCHANGED <<buf, resv, cpos, lease, holes, ep, seen, padTo, pendingIds, tk,
                   consumer, ghost>>

FenceReservation == FenceReservationWith(LAMBDA c : ep[c])
FencePosition    == FencePositionWith(LAMBDA c : ep[c])

-----------------------------------------------------------------------------
(******************************* producing ***********************************)

ReleaseHoles(c) ==
    /\ pc[c] = "lost"
    /\ holes' = {h \in holes : h.ep # ep[c]}
    /\ released' = (released \/ \E h \in holes : h.ep = ep[c])
    /\ pc' = [pc EXCEPT ![c] = "gone"]
    /\ UNCHANGED <<buf, resv, ppos, cpos, lease, ep, tail, pub, myEnd, cacheC, seen,
                   padTo, pendingIds, tk, consumer, nextId, committed, delivered, live, writer, late>>

HoleAt(i) == {h \in holes : InHole(i, h)}

\* Whether the tail lies inside this claimant's reservation [.., myEnd).
Reserved(c) == Dist(tail[c], myEnd[c]) > 0 /\ Dist(tail[c], myEnd[c]) <= CAPACITY

\* tryClaim of a one-slot record at tail, inside the reservation.  With the
\* cached consumer position it needs one free slot (else "full", then
\* RefreshConsumerPosition).  A tail inside a hole (as read in the shared hole
\* table) means a padding to the hole's end, or to the region end if sooner.
\* Every header this claimant writes, padding included, lies in its
\* reservation, hence in the hole a taker records for it.
PadLength(c) ==
    LET i  == Idx(tail[c])
        hs == HoleAt(i)
        h  == CHOOSE x \in hs : \A y \in hs : ToHoleEnd(i, y) <= ToHoleEnd(i, x)
    IN IF ToHoleEnd(i, h) < CAPACITY - i THEN ToHoleEnd(i, h) ELSE CAPACITY - i

TryClaim(c) ==
    /\ pc[c] = "idle"
    /\ nextId <= MAXID
    /\ Reserved(c)
    /\ IF Dist(cacheC[c], tail[c]) >= CAPACITY
       THEN pc' = [pc EXCEPT ![c] = "full"] /\ UNCHANGED padTo
       ELSE IF HoleAt(Idx(tail[c])) # {}
            THEN IF Dist(cacheC[c], tail[c]) + PadLength(c) <= CAPACITY
                 THEN /\ padTo' = [padTo EXCEPT ![c] = PadLength(c)]
                      /\ pc' = [pc EXCEPT ![c] = "readpad"]
                 ELSE pc' = [pc EXCEPT ![c] = "full"] /\ UNCHANGED padTo
            ELSE /\ pc' = [pc EXCEPT ![c] = "read"]
                 /\ UNCHANGED padTo
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, pendingIds, tk, consumer, ghost>>

\* ReadSlot: the header word at tail, read once before writing (the expected
\* value of the later CAS).  A separate load from the hole table's.
ReadSlot(c) ==
    /\ pc[c] \in {"read", "readpad"}
    /\ seen' = [seen EXCEPT ![c] = buf[Idx(tail[c])].h]
    /\ pc' = [pc EXCEPT ![c] = IF pc[c] = "read" THEN "check" ELSE "checkpad"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, padTo, pendingIds, tk, consumer, ghost>>

\* CheckEpoch (RingProducer.readSlot, second load): the position word must
\* still hold our epoch.  Without it, a holder paused before ReadSlot reads
\* the padding a taker wrote over its hole, and its header CAS from that
\* value succeeds (mutant SlotEpochUnchecked).  Fenced(_) is a parameter
\* only for that mutant.
CheckEpochWith(c, Fenced(_)) ==
    /\ pc[c] \in {"check", "checkpad"}
    /\ IF Fenced(c)
       THEN LoseRole(c)
       ELSE pc' = [pc EXCEPT ![c] = IF pc[c] = "check" THEN "write" ELSE "pad"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, padTo, pendingIds, tk, consumer, ghost>>

PositionFenced(c) == ppos.ep # ep[c]
CheckEpoch(c) == CheckEpochWith(c, PositionFenced)

\* Reserve: the tail reached (or a padding passed) the end of the reservation:
\* CAS W from (my epoch, end) to (my epoch, tail + CHUNK).  Fails once fenced.
ReserveWith(c, Owns(_)) ==
    /\ pc[c] = "idle"
    /\ nextId <= MAXID
    /\ ~Reserved(c)
    /\ IF Owns(c)
       THEN /\ resv' = [ep |-> ep[c], end |-> Add(tail[c], CHUNK)]
            /\ myEnd' = [myEnd EXCEPT ![c] = Add(tail[c], CHUNK)]
            /\ UNCHANGED pc
       ELSE /\ LoseRole(c) /\ UNCHANGED <<resv, myEnd>>
    /\ UNCHANGED <<buf, ppos, cpos, lease, holes, ep, tail, pub, cacheC, seen, padTo,
                   pendingIds, tk, consumer, ghost>>

OwnsReservation(c) == resv = [ep |-> ep[c], end |-> myEnd[c]]
Reserve(c) == ReserveWith(c, OwnsReservation)

RefreshConsumerPosition(c) ==
    /\ pc[c] = "full"
    /\ cacheC' = [cacheC EXCEPT ![c] = cpos]
    /\ pc' = [pc EXCEPT ![c] = "idle"]
    /\ cpos # cacheC[c]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, seen, padTo, pendingIds, tk, consumer, ghost>>

\* WritePayload: a plain store.  This is the store a paused holder makes late.
WritePayload(c) ==
    /\ pc[c] = "write"
    /\ buf' = [buf EXCEPT ![Idx(tail[c])].d = nextId]
    /\ pc' = [pc EXCEPT ![c] = "header"]
    /\ late' = (late \/ ppos.ep # ep[c])
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, tail, pub, myEnd, cacheC, seen,
                   padTo, pendingIds, tk, consumer, nextId, committed, delivered, live, writer, released>>

\* WriteRecordHeader (commitBatched): CAS of the header word from the value
\* read at the claim.  The record id is the payload written (ghost).
WriteRecordHeaderWith(Cas(_, _, _)) ==
  \E c \in Claimants :
    /\ pc[c] = "header"
    /\ LET i  == Idx(tail[c])
           id == buf[i].d
       IN IF Cas(c, i, Hdr(id))
          THEN /\ buf' = [buf EXCEPT ![i].h = Hdr(id)]
               /\ tail' = [tail EXCEPT ![c] = Add(tail[c], 1)]
               /\ pendingIds' = [pendingIds EXCEPT ![c] = Append(pendingIds[c], [slot |-> i, id |-> id])]
               /\ nextId' = nextId + 1
               /\ writer' = [writer EXCEPT ![id] = ep[c]]
               /\ pc' = [pc EXCEPT ![c] = "idle"]
          ELSE /\ LoseRole(c) /\ UNCHANGED <<buf, tail, pendingIds, nextId, writer>>
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, pub, myEnd, cacheC, seen, padTo,
                   tk, consumer, committed, delivered, live, late, released>>

HeaderCas(c, i, new) == buf[i].h = seen[c]
WriteRecordHeader == WriteRecordHeaderWith(HeaderCas)

\* WritePadding over (the rest of) a hole: CAS of the header word from the
\* value ReadSlot saw.
WritePadding(c) ==
    /\ pc[c] = "pad"
    /\ IF buf[Idx(tail[c])].h # seen[c]
       THEN LoseRole(c) /\ UNCHANGED <<buf, tail>>
       ELSE /\ buf' = [buf EXCEPT ![Idx(tail[c])].h = Pad(padTo[c])]
            /\ tail' = [tail EXCEPT ![c] = Add(tail[c], padTo[c])]
            /\ pc' = [pc EXCEPT ![c] = "idle"]
    /\ UNCHANGED <<resv, ppos, cpos, lease, holes, ep, pub, myEnd, cacheC, seen, padTo,
                   pendingIds, tk, consumer, ghost>>

\* PublishProducerPosition: CAS of the position word from (my epoch, what I
\* published) to (my epoch, tail).  Abstract Enqueue of the pending records.
IdsOf(s) == [k \in 1..Len(s) |-> s[k].id]

PublishProducerPosition(c) ==
    /\ pc[c] \in {"idle", "full"}
    /\ tail[c] # pub[c]
    /\ IF ppos = [ep |-> ep[c], pos |-> pub[c]]
       THEN /\ ppos' = [ep |-> ep[c], pos |-> tail[c]]
            /\ pub' = [pub EXCEPT ![c] = tail[c]]
            /\ committed' = committed \o IdsOf(pendingIds[c])
            /\ live' = live \cup {pendingIds[c][k] : k \in 1..Len(pendingIds[c])}
            /\ pendingIds' = [pendingIds EXCEPT ![c] = <<>>]
            /\ UNCHANGED pc
       ELSE /\ LoseRole(c) /\ UNCHANGED <<ppos, pub, committed, live, pendingIds>>
    /\ UNCHANGED <<buf, resv, cpos, lease, holes, ep, tail, myEnd, cacheC, seen, padTo,
                   tk, consumer, nextId, delivered, writer, late, released>>

\* A holder dies at any instruction: it never writes again and never removes its holes.
Crash(c) ==
    /\ pc[c] \notin {"out", "gone", "down"}
    /\ pc' = [pc EXCEPT ![c] = "down"]
    /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, padTo, pendingIds, tk,
                   consumer, ghost>>

-----------------------------------------------------------------------------
(******************************* consuming ***********************************)

\* RingConsumer.refreshProducerPosition: the position, without its epoch.
RefreshProducerPosition ==
    /\ cpc = "poll"
    /\ head = cachedP
    /\ ppos.pos # cachedP
    /\ IF Dist(head, ppos.pos) <= CAPACITY
       THEN cachedP' = ppos.pos /\ UNCHANGED cpc
       ELSE cpc' = "poisoned" /\ UNCHANGED cachedP
    /\ UNCHANGED <<shared, private, head, curId, ghost>>

PadOk(c) == c.n \in 1..Dist(head, cachedP) /\ Idx(head) + c.n <= CAPACITY

\* ReadRecordHeader: a record, or a padding of n slots inside what was published.
ReadRecordHeader ==
    /\ cpc = "poll"
    /\ head # cachedP
    /\ LET c == buf[Idx(head)].h IN
       CASE c.k = "H" -> cpc' = "payload" /\ curId' = c.id /\ UNCHANGED head
         [] c.k = "D" /\ PadOk(c) ->
                head' = Add(head, c.n) /\ cpos' = Add(head, c.n) /\ UNCHANGED <<cpc, curId>>
         [] OTHER -> cpc' = "poisoned" /\ UNCHANGED <<head, curId>>
    /\ IF buf[Idx(head)].h.k = "D" /\ PadOk(buf[Idx(head)].h)
       THEN TRUE ELSE UNCHANGED cpos
    /\ UNCHANGED <<buf, resv, ppos, lease, holes, private, cachedP, ghost>>

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
    /\ UNCHANGED <<buf, resv, ppos, lease, holes, private, cachedP, curId, nextId, committed,
                   writer, late, released>>

-----------------------------------------------------------------------------
Others(c)    == ReadPosition(c) \/ ReleaseHoles(c) \/ Crash(c)
Roles(c)     == ClaimLease(c) \/ Others(c)
Producing(c) == \/ TryClaim(c) \/ ReadSlot(c) \/ CheckEpoch(c) \/ Reserve(c) \/ RefreshConsumerPosition(c)
                \/ WritePayload(c) \/ WritePadding(c) \/ PublishProducerPosition(c)
Takeover     == FenceReservation \/ RecordHole \/ FencePosition
Consuming    == RefreshProducerPosition \/ ReadRecordHeader \/ ReadPayload

Claimant(c)  == Roles(c) \/ Producing(c)

Next == \/ \E c \in Claimants : Claimant(c)
        \/ Takeover \/ WriteRecordHeader \/ Consuming

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(******************************* properties ********************************)

TypeOK ==
    /\ resv \in [ep : Epochs, end : Pos]
    /\ ppos \in [ep : Epochs, pos : Pos]
    /\ cpos \in Pos
    /\ pc \in [Claimants -> {"out", "idle", "full", "read", "readpad", "check", "checkpad", "write",
                              "header", "pad", "take1",
                              "take2", "take3", "take4", "lost", "gone", "down"}]
    /\ cpc \in {"poll", "payload", "poisoned", "bad"}

\* The consumer never meets a header it cannot accept.
NeverPoisoned == cpc # "poisoned"

\* Every record delivered is the next one committed, with its own payload.
DeliveredIntact == cpc # "bad"

\* No store, however late, ever changes a published record that is not consumed yet.
LiveRecordsIntact ==
    \A r \in live : buf[r.slot].h = Hdr(r.id) /\ buf[r.slot].d = r.id

\* The FIFO service across takeovers: the records committed and not yet
\* delivered, one slot each, in commit order (BoundedFifo numbers them by
\* their order, so "the next one committed" is DeliveredIntact's business).
\* Enqueue is a successful PublishProducerPosition (of any claimant, the
\* old holder included while it still may), Dequeue a delivery.
AbsQueue == [i \in 1..(Len(committed) - delivered) |-> [id |-> (delivered + i - 1) % (MAXID + 1), size |-> 1]]
Abs == INSTANCE BoundedFifo WITH queue <- AbsQueue, enq <- Len(committed) % (MAXID + 1),
                                 deq <- delivered % (MAXID + 1),
                                 IDMOD <- MAXID + 1, SIZES <- {1}, MAXBATCH <- CAPACITY
Refinement == Abs!SafetySpec

\* Published positions never run more than a capacity ahead of the consumer.
NoOverrun == Dist(cpos, ppos.pos) <= CAPACITY
===============================================================================
