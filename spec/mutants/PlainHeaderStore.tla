------------------------------ MODULE PlainHeaderStore ------------------------------
(* MUTANT.  The record header -- the commit -- is a plain store, not a CAS   *)
(* from the end marker read at the claim.                                    *)
(* Design question: must the commit be a CAS from the value read at the      *)
(* claim?                                                                    *)
(* Expected: yes: a late header store of the old holder overwrites the       *)
(* padding the new holder wrote over its hole, and the records after that    *)
(* padding are cut off the chain (invariant CommittedReachable).             *)
EXTENDS RingFencing

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpoch(c)
                 \/ Reserve(c)
                 \/ RefreshConsumerPosition(c)
                 \/ WritePayload(c)
                 \/ WriteEndMarker(c)
                 \/ WriteRecordHeaderWith(c, LAMBDA x, i : TRUE)   \* was: WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
