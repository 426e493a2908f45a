------------------------------ MODULE NoHoleRecorded ------------------------------
(* MUTANT.  A taker fences the old holder but records no hole: it writes its *)
(* own records from the published position on, over the range the old     *)
(* holder reserved.  Expected: a late payload store of the paused old      *)
(* holder lands in a live record of the new one.                           *)
EXTENDS RingFencing
MNext == \/ \E c \in Claimants : Roles(c) \/ Producing(c)
         \/ FenceReservation \/ RecordHoleWith(LAMBDA t : [start |-> 0, len |-> 0, ep |-> 0])
         \/ FencePosition \/ WriteRecordHeader \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
