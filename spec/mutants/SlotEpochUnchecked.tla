------------------------------ MODULE SlotEpochUnchecked ------------------------------
(* MUTANT.  After reading the slots it will CAS (ReadSlot, ReadEndSlot) a    *)
(* holder does not check that the position word still holds its epoch        *)
(* (RingProducer.readSlot's second load is gone).                            *)
(* Design question: is the CAS from the value read enough on its own?        *)
(* Expected: no: a holder paused before ReadSlot resumes a lap after the     *)
(* takeover and reads, at its slot, the end marker the taker wrote there for *)
(* its own next record (the taker's epoch does not help: it is the value     *)
(* read); its commit CAS from it succeeds, behind the taker's uncommitted    *)
(* record, where the consumer cannot reach it (invariant                     *)
(* CommittedReachable).  (Layout version 2 lost DeliveredIntact here, its    *)
(* header CAS from the taker's padding; the same check also keeps a holder   *)
(* from CASing its end marker over the padding at a lap's first slot.)       *)
EXTENDS RingFencing

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpochWith(c, LAMBDA x : FALSE)   \* was: CheckEpoch(c)
                 \/ Reserve(c)
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
