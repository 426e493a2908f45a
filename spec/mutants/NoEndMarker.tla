------------------------------ MODULE NoEndMarker ------------------------------
(* MUTANT (layout version 3).  The producer commits a record without first  *)
(* writing the end marker where the next record will start.                 *)
(* Design question: is the end marker what makes a header trustworthy --     *)
(* without it, does the consumer take stale bytes of an earlier lap (or     *)
(* payload bytes that imitate a header) for the next record?                *)
(* Expected: property Refinement (the header that commits makes the chain *)
(* reach bytes nobody wrote for it: no abstract step; a consumer that read *)
(* on would be fooled, NeverFooled).                                       *)
EXTENDS DataportRing

\* was: the end marker at the record's successor
NoRecordEndMarker ==
    \/ /\ ppc = "padend"
       /\ WriteEndMarker
    \/ /\ ppc = "end"
       /\ ppc' = "commit"
       /\ UNCHANGED <<shared, tail, cachedConsumerPosition, claimSize, written, unpub, held,
                      consVars, ghostVars>>

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ NoRecordEndMarker
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
