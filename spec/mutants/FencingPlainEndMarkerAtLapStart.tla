------------------------------ MODULE FencingPlainEndMarkerAtLapStart ------------------------------
(* MUTANT (layout version 3).  The end marker at the first slot of a lap     *)
(* (after a record or a padding that ends at the region end) is a plain      *)
(* store like every other end marker: the rule as first stated.              *)
(* Design question: can a late end marker store land on a header the         *)
(* taker needs?                                                              *)
(* Expected: yes: when the old holder's reservation wraps, the taker pads    *)
(* the hole to the region end and from the lap's first slot on; the old      *)
(* holder's late end marker for its record or padding ending at the region   *)
(* end lands on the taker's padding header at that first slot, and every     *)
(* record the taker commits after it is cut off the chain (invariant         *)
(* CommittedReachable: committed, never delivered: lost).                    *)
EXTENDS RingFencing

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpoch(c)
                 \/ Reserve(c)
                 \/ RefreshConsumerPosition(c)
                 \/ WritePayload(c)
                 \/ WriteEndMarkerWith(c, LAMBDA x : "store", LAMBDA x : ep[x])   \* was: WriteEndMarker(c)
                 \/ WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
