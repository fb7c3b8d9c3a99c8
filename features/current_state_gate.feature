Feature: Leaving the current-state workshop
  The current-state workshop maps all current people, process and technology activities
  step by step. Before the desired state is mapped, the current-state map has a role, a
  process time and a wait time on every step, its handoffs are recorded, its waste is
  analyzed with no classifier suggestion left untriaged, and the readout summary and
  action items are written. The action items that count are the workshop's own: those
  recorded during the current-state workshop of this cycle.

  Scenario Outline: Leaving the current-state workshop waits for <ingredient>
    Given a value stream in the current-state phase with everything its gate asks for except <ingredient>
    Then the gate is blocked by "<criterion>", with a reason mentioning "<why blocked>"
    And the editor cannot move it on to the desired-state phase: the gate is blocked by "<criterion>"
    When the team records <ingredient>
    Then the criterion "<criterion>" passes, with a reason mentioning "<why met>"
    And the gate passes, leading on to the desired-state phase

    Examples:
      | ingredient                     | criterion                                                                       | why blocked                                                            | why met                                            |
      | a complete current-state map   | A current-state map whose every step has a role, a process time and a wait time | 1 step without wait time                                               | 3 steps, each with role, process and wait time     |
      | the handoffs between its steps | Handoffs recorded                                                               | the current-state map records no handoffs between its steps            | 2 handoffs recorded                                |
      | its waste analyzed and triaged | Waste analyzed: no classifier suggestion left untriaged                         | no waste analyzed yet: no finding on the current-state map             | all 3 findings triaged                             |
      | a finished readout summary     | Readout summary                                                                 | readout summary is missing; it must be done                            | readout summary is done                            |
      | an action item                 | Action items recorded                                                           | 0 action items recorded in current state this cycle; at least 1 needed | 1 action item recorded in current state this cycle |

  Scenario: With everything its gate asks for, the current state is left for the desired state
    Given a value stream in the current-state phase with everything its gate asks for
    Then the gate passes, leading on to the desired-state phase
    When the editor moves it on to the desired-state phase
    Then the value stream is in the desired-state phase
    And its history records the move from the current-state phase to the desired-state phase through a passing gate

  Scenario: A classifier suggestion nobody has triaged holds the workshop back
    Given a value stream in the current-state phase with everything its gate asks for except its waste analyzed and triaged
    When the team records the classifier's analysis of its waste
    Then the gate is blocked by "Waste analyzed: no classifier suggestion left untriaged", with a reason mentioning "3 suggestions not yet triaged"
    When the team records a decision on every suggestion
    Then the criterion "Waste analyzed: no classifier suggestion left untriaged" passes, with a reason mentioning "all 3 findings triaged"

  Scenario: A parking-lot entry is not an action item
    Given a value stream in the current-state phase with everything its gate asks for except an action item
    When the team records a parking-lot entry
    Then the gate is blocked by "Action items recorded", with a reason mentioning "0 action items recorded in current state this cycle"

  Scenario: An action item recorded before the workshop is not one of its action items
    Given a value stream in planning
    And the team has recorded an action item
    When an admin forces it on to the current-state phase, justified by "Planning is signed off on paper"
    Then the gate is blocked by "Action items recorded", with a reason mentioning "0 action items recorded in current state this cycle"
    When the team records an action item
    Then the criterion "Action items recorded" passes, with a reason mentioning "1 action item recorded in current state this cycle"
