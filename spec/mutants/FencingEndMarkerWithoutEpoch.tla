------------------------------ MODULE FencingEndMarkerWithoutEpoch ------------------------------
(* MUTANT (layout version 3).  The end marker is one constant word, without  *)
(* the epoch of its writer (a header CAS expects "an end marker").           *)
(* Design question: is the end marker a safe expected value for the commit   *)
(* CAS across a takeover?                                                    *)
(* Expected: no (ABA): the old holder, paused before its commit CAS, resumes *)
(* a lap later when its slot holds the end marker the taker wrote there      *)
(* for its own next record; the late commit succeeds behind the taker's      *)
(* uncommitted record, where the consumer cannot reach it (invariant         *)
(* CommittedReachable; delivered out of commit order once the taker          *)
(* commits, lost if the taker dies first).                                   *)
EXTENDS RingFencing

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpoch(c)
                 \/ Reserve(c)
                 \/ RefreshConsumerPosition(c)
                 \/ WritePayload(c)
                 \/ WriteEndMarkerWith(c, EndMarkerCas, LAMBDA x : 0)   \* was: WriteEndMarker(c)
                 \/ WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ Takeover \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
