--------------------------- MODULE FullRingRejected ---------------------------
(* MUTANT.  Off-by-one in the recovery scan's bound: a record and the end   *)
(* marker after it must end one slot before cachedConsumerPosition +        *)
(* CAPACITY (size <= n - 2 instead of <= n - 1).                            *)
(* Design question: can the ring be completely full (free-running counters,  *)
(* one slot kept for the end marker), and do the producer's full check and  *)
(* the scan's validation agree on that boundary?                            *)
(* Expected: invariant NeverPoisoned (an honest full ring is reported as     *)
(* corrupted by a restarted producer).                                       *)
EXTENDS DataportRing

MScanForEnd ==
    /\ ppc = "scan"
    /\ LET p == ProducerSkip(tail)
           c == buf[Idx(p)]
           n == CAPACITY - Dist(cachedConsumerPosition, p)
       IN CASE n < 1 ->
                    ppc' = "poisoned" /\ UNCHANGED tail
            [] Arbitrary(c) ->
                    ppc' = "fooled" /\ UNCHANGED tail
            [] c.k = "E" ->
                    ppc' = "idle" /\ tail' = p
            [] c.k \in {"H", "D"} /\ c.size \in 1..n-2 /\ Idx(p) + c.size <= CAPACITY   \* was: 1..n-1
               /\ (c.k = "D" => c.size = ToEnd(p)) ->
                    tail' = Add(p, c.size) /\ UNCHANGED ppc
            [] OTHER ->
                    ppc' = "poisoned" /\ UNCHANGED tail
    /\ UNCHANGED <<shared, cachedConsumerPosition, claimSize, written, unpub, held,
                   consVars, ghostVars>>

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayload
                 \/ WriteRecordHeader
                 \/ Publish
                 \/ PublishProducerPosition
                 \/ MScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
