------------------------------ MODULE NewerPaddingIgnored ------------------------------
(* MUTANT.  A holder does not check the epoch of the padding it read before *)
(* its header CAS: it takes a newer holder's padding for free space.       *)
(* Expected: a stale holder CASes its header over the padding of the hole  *)
(* (the CAS succeeds: the value did not change after the read).            *)
EXTENDS RingFencing
MNext == \/ \E c \in Claimants :
              \/ Roles(c)
              \/ TryClaim(c) \/ ReadSlot(c) \/ Reserve(c) \/ RefreshConsumerPosition(c)
              \/ WritePayloadWith(c, LAMBDA x : FALSE) \/ WritePaddingWith(c, LAMBDA x : FALSE)
              \/ PublishProducerPosition(c)
         \/ Takeover \/ WriteRecordHeader \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
