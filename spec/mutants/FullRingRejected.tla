--------------------------- MODULE FullRingRejected ---------------------------
(* MUTANT.  Off-by-one in the consumer's validation of the producer          *)
(* position: p - head < CAPACITY instead of <= CAPACITY.                     *)
(* Design question: can the ring be completely full (free-running counters,  *)
(* no slot kept empty), and do the producer's full check and the consumer's  *)
(* validation agree on that boundary?                                        *)
(* Expected: invariant NeverPoisoned (an honest full ring is reported as     *)
(* corrupted).                                                               *)
EXTENDS DataportRing

MValidProducerPosition(p) ==
    /\ Dist(cachedProducerPosition, p) <= CAPACITY
    /\ Dist(consumerPosition, p) < CAPACITY   \* was: <= CAPACITY

MRefreshProducerPosition == RefreshProducerPositionWith(MValidProducerPosition)

MConsumerWork == \/ MRefreshProducerPosition
                 \/ ReadRecordHeader
                 \/ ReadPayload
                 \/ PublishConsumerPosition

MNext == ProducerWork \/ MConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
