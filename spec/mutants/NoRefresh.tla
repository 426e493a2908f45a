------------------------------ MODULE NoRefresh ------------------------------
(* MUTANT.  The producer trusts its cached consumer position and never       *)
(* re-reads it when the ring looks full (RefreshConsumerPosition removed;    *)
(* the cache is only set at attach).                                         *)
(* Design question: is the cache only a fast path -- is re-reading the       *)
(* consumer position on "full" required, and is a stale cache merely slow,   *)
(* never unsafe?                                                             *)
(* Expected: deadlock (and no safety invariant fails first: a stale cache    *)
(* is conservative).                                                         *)
EXTENDS DataportRing

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
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
