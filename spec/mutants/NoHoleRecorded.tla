------------------------------ MODULE NoHoleRecorded ------------------------------
(* MUTANT.  A taker fences the old holder but records no hole: it takes the  *)
(* old holder's reservation [P, R) as its own and writes records from the    *)
(* frontier it finds, on this lap and every later one.                       *)
(* Design question: must the old holder's reserved range be recorded and     *)
(* padded over (this lap and every later one)?                               *)
(* Expected: yes: the old holder's stores in flight land where the taker     *)
(* writes: here its late commit takes the frontier slot the taker claimed,   *)
(* and the taker's payload store overwrites that live record (invariant      *)
(* LiveRecordsIntact; a lap later, a late payload store of a paused holder   *)
(* lands in a live record of the new one, as in layout version 2).           *)
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
                 \/ WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ FenceReservation \/ RecordHoleWith(LAMBDA t : [start |-> 0, len |-> 0, ep |-> 0]) \/ FencePosition \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
