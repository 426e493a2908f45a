------------------------------ MODULE PlainHeaderStore ------------------------------
(* MUTANT.  The record header is a plain store, not a CAS from the value    *)
(* read at the claim.  Expected: a late header store of the old holder     *)
(* overwrites the padding the new holder wrote over its hole, and the       *)
(* consumer meets a record that is not the next one committed.            *)
EXTENDS RingFencing
MNext == \/ \E c \in Claimants : Roles(c) \/ Producing(c)
         \/ Takeover \/ WriteRecordHeaderWith(LAMBDA c, i, new : TRUE) \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
