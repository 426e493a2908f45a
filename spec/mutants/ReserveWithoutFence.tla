------------------------------ MODULE ReserveWithoutFence ------------------------------
(* MUTANT.  The reservation word is extended by a plain store that ignores  *)
(* its epoch (no CAS): a fenced holder can still reserve past the hole.    *)
(* Expected: its late stores land beyond the hole, in live records.        *)
EXTENDS RingFencing
MNext == \/ \E c \in Claimants :
              \/ Roles(c)
              \/ TryClaim(c) \/ ReadSlot(c) \/ CheckEpoch(c) \/ ReserveWith(c, LAMBDA x : TRUE) \/ RefreshConsumerPosition(c)
              \/ WritePayload(c) \/ WritePadding(c) \/ PublishProducerPosition(c)
         \/ Takeover \/ WriteRecordHeader \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
