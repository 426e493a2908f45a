------------------------- MODULE PaddingWithoutEndMarker -------------------------
(* MUTANT (layout version 3).  A padding is written without first putting   *)
(* the end marker at the slot after it (the next lap's first record slot):  *)
(* the "tag not advanced on wrap" of a lap-tag design.                      *)
(* Design question: does every header the consumer can reach -- a padding   *)
(* too -- need the end marker after it before it is written?               *)
(* Expected: property Refinement (past the padding, the chain reaches the  *)
(* stale bytes at the start of the lap; a consumer that read on would be    *)
(* fooled, NeverFooled).                                                    *)
EXTENDS DataportRing

\* was: the end marker at the record's slot in the next lap
NoPaddingEndMarker ==
    \/ /\ ppc = "padend"
       /\ ppc' = "pad"
       /\ UNCHANGED <<shared, tail, cachedConsumerPosition, claimSize, written, unpub, held,
                      consVars, ghostVars>>
    \/ /\ ppc = "end"
       /\ WriteEndMarker

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ NoPaddingEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayload
                 \/ WriteRecordHeader
                 \/ Publish
                 \/ PublishProducerPosition
                 \/ ScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
