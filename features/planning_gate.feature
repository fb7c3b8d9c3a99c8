Feature: Leaving planning
  Planning is thorough planning with business and technology stakeholders. Before the
  current-state workshop, the purpose and goals are final, the key flow metrics are
  chosen with their targets, the working agreement and the training content are done,
  participants are identified across business and technology functions, at least one
  facilitator is trained, the workshop agenda is vetted and the logistics are complete.

  Scenario Outline: Leaving planning waits for <ingredient>
    Given a value stream in planning with everything its gate asks for except <ingredient>
    Then the gate is blocked by "<criterion>", with a reason mentioning "<why blocked>"
    And the editor cannot move it on to the current-state phase: the gate is blocked by "<criterion>"
    When the team records <ingredient>
    Then the criterion "<criterion>" passes, with a reason mentioning "<why met>"
    And the gate passes, leading on to the current-state phase

    Examples:
      | ingredient                             | criterion                                                        | why blocked                                   | why met                                   |
      | final purpose and goals                | Final purpose and goals                                          | goals and purpose is missing; it must be done | goals and purpose is done                 |
      | key flow-metric targets                | Key flow metrics chosen, targets recorded                        | 0 flow-metric targets recorded; at least 1    | 1 flow-metric target recorded             |
      | a working agreement                    | Working agreement                                                | working agreement is missing                  | working agreement is done                 |
      | finished training content              | Training content                                                 | training content is missing                   | training content is done                  |
      | a participant from the business side   | Participants identified across business and technology functions | no participant from the business side         | participants from business and technology |
      | a participant from the technology side | Participants identified across business and technology functions | no participant from the technology side       | participants from business and technology |
      | a trained facilitator                  | At least one trained facilitator                                 | 0 trained facilitators recorded               | 1 trained facilitator recorded            |
      | a vetted workshop agenda               | Workshop agenda vetted                                           | workshop agenda is missing                    | workshop agenda is done                   |
      | complete logistics                     | Logistics complete                                               | logistics is missing                          | logistics is done                         |

  Scenario: With everything its gate asks for, planning is left for the current-state workshop
    Given a value stream in planning with everything its gate asks for
    Then the gate passes, leading on to the current-state phase
    When the editor moves it on to the current-state phase
    Then the value stream is in the current-state phase
    And its history records the move from planning to the current-state phase through a passing gate

  Scenario: The goals drafted in pre-planning must be made final in planning
    Given a value stream that has left pre-planning through its gate
    Then the gate is blocked by "Final purpose and goals", with a reason mentioning "goals and purpose is draft; it must be done"
    When the team records final purpose and goals
    Then the criterion "Final purpose and goals" passes, with a reason mentioning "goals and purpose is done"
    And the goals and purpose is recorded in pre-planning, cycle 1

  Scenario: The goals are finished, not written a second time
    Given a value stream that has left pre-planning through its gate
    When the team writes its goals and purpose again, as a new deliverable
    Then that is refused because this cycle already has its goals and purpose, and the answer points at the one to change
    And the gate is blocked by "Final purpose and goals", with a reason mentioning "goals and purpose is draft; it must be done"

  Scenario: A facilitator who was never trained does not count
    Given a value stream in planning with everything its gate asks for except a trained facilitator
    When the team records an untrained facilitator
    Then the gate is blocked by "At least one trained facilitator", with a reason mentioning "0 trained facilitators recorded; at least 1 needed"
