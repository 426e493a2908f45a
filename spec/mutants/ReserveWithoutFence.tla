------------------------------ MODULE ReserveWithoutFence ------------------------------
(* MUTANT.  The reservation word is extended by a store that ignores its     *)
(* epoch (no CAS): a fenced holder can still reserve past the hole.          *)
(* Design question: must the reservation be extended by CAS?                 *)
(* Expected: yes: the old holder reserves past the end R the taker fenced    *)
(* and commits there before the position fence stops it; the taker's scan    *)
(* for the frontier, bounded by R, meets that record (invariant              *)
(* NeverPoisoned).  In layout version 2 the first symptom was its late       *)
(* stores in live records beyond the hole (LiveRecordsIntact); in version 3  *)
(* the taker's bounded scan sees the fence was not kept before it writes.    *)
EXTENDS RingFencing

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpoch(c)
                 \/ ReserveWith(c, LAMBDA x : TRUE)   \* was: Reserve(c)
                 \/ RefreshConsumerPosition(c)
                 \/ WritePayload(c)
                 \/ WriteEndMarker(c)
                 \/ WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
