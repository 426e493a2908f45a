-------------------------- MODULE ExpiryIgnoresHeartbeat --------------------------
(* MUTANT.  The observer declares the lease expired TIMEOUT ticks after it   *)
(* first saw the heartbeat, without comparing the value it reads now: a      *)
(* lease that is never checked is taken as dead.  Expected: a holder that    *)
(* beats on time loses its lease (NoFalseTakeover).                          *)
EXTENDS LeaseExpiry
MNext == Tick \/ Beat \/ \E p \in Procs : Pause(p) \/ Resume(p) \/ Crash(p) \/ Observe(p)
                                         \/ TakeoverWith(p, LAMBDA q : now - seenAt[q] >= TIMEOUT)
MSpec == Init /\ [][MNext]_vars
===============================================================================
