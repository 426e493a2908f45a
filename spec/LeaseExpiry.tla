------------------------------ MODULE LeaseExpiry ------------------------------
(***************************************************************************)
(* When may a would-be holder declare a role's lease expired?  No clock is  *)
(* shared between VMs: the holder's heartbeat is a counter in shared memory *)
(* that it increments at least every BEAT ticks while it runs; an observer *)
(* times the counter's progress with its own clock and declares the lease  *)
(* expired when the counter has not moved for TIMEOUT ticks of that clock  *)
(* (docs/decisions/0902).  Time is discrete (`now`); the holder may pause  *)
(* (a stopped VM, SIGSTOP, a long stall) or crash at any moment.            *)
(*                                                                         *)
(* Checked: with TIMEOUT > BEAT, a lease is never taken from a holder that *)
(* has beaten on time since its last beat (NoFalseTakeover).  Whether a     *)
(* takeover of a holder that resumes is safe is RingFencing.tla's subject:  *)
(* here only WHEN a takeover may happen is checked.                        *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS Procs, BEAT, TIMEOUT, TMAX

ASSUME BEAT \in Nat \ {0} /\ TIMEOUT \in Nat \ {0} /\ TMAX \in Nat

VARIABLES
    now,        \* global time, in ticks (no process can read it: ghost)
    hb,         \* the heartbeat counter in shared memory
    owner,      \* the lease word's owner
    state,      \* process -> "run" | "paused" | "down"
    lastBeat,   \* ghost: when the owner last beat
    stalled,    \* ghost: the owner paused or crashed since its last beat
    seenHb,     \* observer -> heartbeat value it last saw change to
    seenAt,     \* observer -> its clock when it saw that change
    falseTakeover  \* ghost: a lease was taken from a holder that kept its beat

vars == <<now, hb, owner, state, lastBeat, stalled, seenHb, seenAt, falseTakeover>>

Init ==
    /\ now = 0 /\ hb = 0
    /\ owner = CHOOSE p \in Procs : TRUE
    /\ state = [p \in Procs |-> "run"]
    /\ lastBeat = 0 /\ stalled = FALSE
    /\ seenHb = [p \in Procs |-> 0] /\ seenAt = [p \in Procs |-> 0]
    /\ falseTakeover = FALSE

\* Time passes, but never past a running owner's beat deadline: a running
\* owner beats at least every BEAT ticks (its LeaseKeeper thread's period).
Tick ==
    /\ now < TMAX
    /\ state[owner] # "run" \/ now + 1 - lastBeat <= BEAT
    /\ now' = now + 1
    /\ UNCHANGED <<hb, owner, state, lastBeat, stalled, seenHb, seenAt, falseTakeover>>

\* Lease.beat: the owner increments the heartbeat (at most once a tick).
Beat ==
    /\ state[owner] = "run"
    /\ lastBeat < now
    /\ hb' = hb + 1 /\ lastBeat' = now /\ stalled' = FALSE
    /\ UNCHANGED <<now, owner, state, seenHb, seenAt, falseTakeover>>

Pause(p)  == /\ p = owner /\ state[p] = "run" /\ state' = [state EXCEPT ![p] = "paused"]
             /\ stalled' = TRUE
             /\ UNCHANGED <<now, hb, owner, lastBeat, seenHb, seenAt, falseTakeover>>
Resume(p) == /\ state[p] = "paused" /\ state' = [state EXCEPT ![p] = "run"]
             /\ UNCHANGED <<now, hb, owner, lastBeat, stalled, seenHb, seenAt, falseTakeover>>
Crash(p)  == /\ p = owner /\ state[p] # "down" /\ state' = [state EXCEPT ![p] = "down"]
             /\ stalled' = TRUE
             /\ UNCHANGED <<now, hb, owner, lastBeat, seenHb, seenAt, falseTakeover>>

\* Lease.observe: an observer reads the heartbeat; when it moved, it notes the
\* value and the time on its own clock.
Observe(q) ==
    /\ q # owner /\ state[q] = "run"
    /\ hb # seenHb[q]
    /\ seenHb' = [seenHb EXCEPT ![q] = hb] /\ seenAt' = [seenAt EXCEPT ![q] = now]
    /\ UNCHANGED <<now, hb, owner, state, lastBeat, stalled, falseTakeover>>

\* Lease.expired + the CAS of the lease word: the heartbeat read NOW is the
\* one seen at least TIMEOUT ticks ago.  Expired(q) is a parameter only for
\* the mutant ExpiryIgnoresHeartbeat.
HeartbeatStill(q) == hb = seenHb[q] /\ now - seenAt[q] >= TIMEOUT

TakeoverWith(q, Expired(_)) ==
    /\ q # owner /\ state[q] = "run"
    /\ Expired(q)
    /\ falseTakeover' = (falseTakeover \/ ~stalled)
    /\ owner' = q
    \* the claim changes the observed words (lease word and heartbeat): it is
    \* the new owner's first beat
    /\ hb' = hb + 1 /\ lastBeat' = now /\ stalled' = FALSE
    /\ UNCHANGED <<now, state, seenHb, seenAt>>

Takeover(q) == TakeoverWith(q, HeartbeatStill)

Next == Tick \/ Beat \/ \E p \in Procs : Pause(p) \/ Resume(p) \/ Crash(p) \/ Observe(p) \/ Takeover(p)

Spec == Init /\ [][Next]_vars

NoFalseTakeover == ~falseTakeover
===============================================================================
