-------------------------- MODULE NonModularCompare --------------------------
(* MUTANT.  The consumer validates the producer position with plain          *)
(* comparisons of the counters (p >= head, p >= cache) instead of the        *)
(* wrap-safe difference p - head in [0, CAPACITY] (head: Java's published    *)
(* consumer position).                                                       *)
(* Design question: must every position comparison be a wrap-safe           *)
(* difference -- and does the model really visit the wrap of the counters   *)
(* (not only of the buffer)?                                                 *)
(* Expected: invariant NeverPoisoned (at the counter wrap an honest          *)
(* producer position is rejected).                                           *)
EXTENDS DataportRing

MValidProducerPosition(p) ==
    /\ p >= cachedProducerPosition                              \* was: Dist(cachedProducerPosition, p) <= CAPACITY
    /\ p >= consumerPosition /\ p - consumerPosition <= CAPACITY \* was: Dist(consumerPosition, p) <= CAPACITY

MRefreshProducerPosition == RefreshProducerPositionWith(MValidProducerPosition)

MConsumerWork == \/ MRefreshProducerPosition
                 \/ ReadRecordHeader
                 \/ ReadPayload
                 \/ PublishConsumerPosition

MNext == ProducerWork \/ MConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
