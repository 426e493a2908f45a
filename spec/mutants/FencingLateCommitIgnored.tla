------------------------------ MODULE FencingLateCommitIgnored ------------------------------
(* MUTANT (layout version 3).  When the taker's padding CAS at its frontier  *)
(* fails, the taker writes the padding anyway, with a plain store, instead   *)
(* of scanning on past what it finds there.                                  *)
(* Design question: must a taker treat the failure of its first padding      *)
(* CAS as the old holder's late commit (which won the race at that slot)     *)
(* and step over that record?                                                *)
(* Expected: yes: the old holder's record, committed and live, is replaced   *)
(* by the padding (invariant LiveRecordsIntact).                             *)
EXTENDS RingFencing

\* was: ScanOn (scan on from the same slot)
PlainPadding(c) ==
    IF first[c]
    THEN /\ buf' = [buf EXCEPT ![Idx(tail[c])].h = Pad(padTo[c])]
         /\ tail' = [tail EXCEPT ![c] = Add(tail[c], padTo[c])]
         /\ pc' = [pc EXCEPT ![c] = "idle"]
         /\ first' = [first EXCEPT ![c] = FALSE]
         /\ padTo' = [padTo EXCEPT ![c] = 0]
         /\ raced' = TRUE
    ELSE LoseRole(c) /\ UNCHANGED <<buf, tail, first, padTo, raced>>

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
                 \/ WritePaddingWith(c, PaddingCas, PlainPadding)   \* was: WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
