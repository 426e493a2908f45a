------------------------------ MODULE SlotEpochUnchecked ------------------------------
(* MUTANT.  After ReadSlot a holder does not check that the position word  *)
(* still holds its epoch (RingProducer.readSlot's second load is gone).    *)
(* Expected: a holder paused before ReadSlot reads the padding a taker     *)
(* wrote over its hole, and its header CAS from that value succeeds: a     *)
(* stale record replaces a published padding.                              *)
EXTENDS RingFencing
MNext == \/ \E c \in Claimants :
              \/ Roles(c)
              \/ TryClaim(c) \/ ReadSlot(c) \/ CheckEpochWith(c, LAMBDA x : FALSE) \/ Reserve(c)
              \/ RefreshConsumerPosition(c) \/ WritePayload(c) \/ WritePadding(c)
              \/ PublishProducerPosition(c)
         \/ Takeover \/ WriteRecordHeader \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
