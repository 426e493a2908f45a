------------------------------ MODULE TakeoverKeepsEpoch ------------------------------
(* MUTANT.  A takeover without an epoch change: the taker claims the lease   *)
(* with the epoch it already holds (only the first claim moves it from 0),   *)
(* so its fences (CASes to "my epoch") do not change the fenced words.       *)
(* Design question: must a takeover change the epoch in the fenced words?    *)
(* Expected: yes: the old holder, unaware, keeps reserving (its CAS from     *)
(* (epoch, end) still succeeds) and commits past the end R the taker fenced; *)
(* the taker's scan for the frontier, bounded by R, meets that record        *)
(* (invariant NeverPoisoned).  In layout version 2 the first symptom was     *)
(* the collision of the two holders' records (LiveRecordsIntact); in         *)
(* version 3 the taker reads the old holder's records before it writes,      *)
(* and its bounded scan sees the fence was not kept.                         *)
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

MNext == \/ \E c \in Claimants : (ClaimLeaseWith(c, IF lease.ep = 0 THEN 1 ELSE lease.ep) \/ Others(c)) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
