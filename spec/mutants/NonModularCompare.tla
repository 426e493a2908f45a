-------------------------- MODULE NonModularCompare --------------------------
(* MUTANT.  The producer validates the consumer position with plain          *)
(* comparisons of the counters (c >= cache, c <= tail) instead of the        *)
(* wrap-safe differences c - cache in [0, tail - cache].  (Layout version 3: *)
(* the consumer no longer reads the producer position, so this is where a   *)
(* position is compared.)                                                    *)
(* Design question: must every position comparison be a wrap-safe           *)
(* difference -- and does the model really visit the wrap of the counters   *)
(* (not only of the buffer)?                                                 *)
(* Expected: invariant NeverPoisoned (an honest position is refused once     *)
(* the counters wrap).                                                       *)
EXTENDS DataportRing

MRefreshConsumerPosition ==
    /\ ppc = "full"
    /\ consumerPosition # cachedConsumerPosition
    /\ LET c == consumerPosition IN
       IF c >= cachedConsumerPosition /\ c <= tail   \* was: Dist(cache, c) <= Dist(cache, tail)
       THEN /\ cachedConsumerPosition' = c
            /\ IF RoomFor(c, claimSize) THEN ppc' = "idle" /\ claimSize' = 0
                                        ELSE UNCHANGED <<ppc, claimSize>>
            /\ UNCHANGED <<written, tail>>
       ELSE /\ ppc' = "poisoned"
            /\ UNCHANGED <<cachedConsumerPosition, claimSize, written, tail>>
    /\ UNCHANGED <<shared, unpub, held, consVars, ghostVars>>

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ MRefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayload
                 \/ WriteRecordHeader
                 \/ Publish
                 \/ PublishProducerPosition
                 \/ ScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
