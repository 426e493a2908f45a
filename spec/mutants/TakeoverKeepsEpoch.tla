------------------------------ MODULE TakeoverKeepsEpoch ------------------------------
(* MUTANT.  A takeover without an epoch change: the taker claims the lease   *)
(* with the epoch it already holds (only the first claim moves it from 0),  *)
(* so its fences (CASes to "my epoch") do not change the fenced words.      *)
(* Expected: the old holder, unaware, keeps reserving and publishing, and    *)
(* its records collide with the new holder's.                                *)
EXTENDS RingFencing
MNext == \/ \E c \in Claimants :
              \/ ClaimLeaseWith(c, IF lease.ep = 0 THEN 1 ELSE lease.ep)
              \/ Others(c) \/ Producing(c)
         \/ Takeover \/ WriteRecordHeader \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
