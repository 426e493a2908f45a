-------------------------- MODULE RingFencingWitness --------------------------
(* Reachability witnesses (vacuity checks) of RingFencing.tla: each "Never..."  *)
(* predicate is expected to be VIOLATED; TLC's counterexample shows that the *)
(* CI model really reaches the situation (the safety results would be hollow *)
(* otherwise).                                                               *)
EXTENDS RingFencing

\* A plain store (payload or end marker) made by a holder already fenced.
NeverLateStore == ~late

\* A hole removed by the holder it fenced, after its failed CAS.
NeverHoleReleased == ~released

\* A record of the new holder delivered after one of the old.
NeverDeliveredAcrossTakeover ==
    ~(delivered >= 2 /\ writer[committed[1]] = 1 /\ writer[committed[delivered]] = 2)

\* The old holder's late commit won the race with the taker's padding CAS at
\* the frontier (the taker scanned on past it), and the consumer delivered
\* that record: committed after the old holder was fenced.
NeverLateCommitDelivered ==
    ~(raced /\ \E k \in 1..delivered : committed[k] \in lateIds)

\* The holder of the role (a taker of that hole's holder) about to write, by a
\* CAS that will succeed, a padding at the first slot of a lap inside a hole
\* that wraps around the region end: it padded to the region end first, and
\* the old holder's late end marker for a record or padding ending there
\* would land on this header (what the end marker CAS at a lap's first slot
\* is for; mutant FencingPlainEndMarkerAtLapStart).
NeverWrappedHolePadded ==
    ~(\E h \in holes, c \in Claimants :
        /\ h.start + h.len > CAPACITY /\ h.ep < ep[c] /\ ~PositionFenced(c)
        /\ pc[c] = "pad" /\ Idx(tail[c]) = 0 /\ buf[0].h = seen[c])

\* A hole padded again from its start on a later lap: the holder of the role,
\* past its first claims (its first padding of the hole, in the lap of the
\* takeover, started at the frontier it found), about to write, by a CAS
\* that will succeed, a padding at the start of its predecessor's hole.
NeverHoleRepadded ==
    ~(\E h \in holes, c \in Claimants :
        /\ h.ep < ep[c] /\ ~PositionFenced(c) /\ pc[c] = "pad" /\ ~first[c]
        /\ Idx(tail[c]) = h.start /\ buf[h.start].h = seen[c])

===============================================================================
