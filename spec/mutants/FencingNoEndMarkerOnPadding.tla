------------------------------ MODULE FencingNoEndMarkerOnPadding ------------------------------
(* MUTANT (layout version 3).  A padding over a hole is written without the  *)
(* end marker at the slot after it: the padding header goes by CAS at once   *)
(* (a record still gets its end marker).                                     *)
(* Design question: does the taker's padding -- which makes the consumer     *)
(* skip to the hole's end -- need the end marker there first, like a record? *)
(* Expected: yes: past the padding the consumer reads the bytes at the       *)
(* hole's end, which nobody wrote as a header (invariant NeverFooled).       *)
EXTENDS RingFencing

\* was: WriteEndMarker(c) for a padding too
MWriteEndMarker(c) ==
    IF padTo[c] > 0
    THEN /\ pc[c] = "end"
         /\ pc' = [pc EXCEPT ![c] = "pad"]
         /\ seenEnd' = [seenEnd EXCEPT ![c] = Garbage]
         /\ UNCHANGED <<shared, ep, tail, pub, myEnd, cacheC, seen, padTo, rid, first, tk,
                        consumer, ghost>>
    ELSE WriteEndMarker(c)

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpoch(c)
                 \/ Reserve(c)
                 \/ RefreshConsumerPosition(c)
                 \/ WritePayload(c)
                 \/ MWriteEndMarker(c)   \* was: WriteEndMarker(c)
                 \/ WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
