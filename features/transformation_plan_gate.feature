Feature: Leaving the transformation plan
  The transformation plan is the tactical backlog and plan from the current to the
  desired state. Before execution starts, the backlog is prioritized, every committed
  item has an accountable owner, the roadmap has at least one milestone, and the value
  stream has a VSM owner: the ownership and accountability plan. An item is committed
  once it is ready, in progress, blocked or done; a backlog of proposals only commits
  nobody to anything.

  Scenario Outline: Leaving the transformation plan waits for <ingredient>
    Given a value stream in the transformation-plan phase with everything its gate asks for except <ingredient>
    Then the gate is blocked by "<criterion>", with a reason mentioning "<why blocked>"
    And the editor cannot move it on to execution: the gate is blocked by "<criterion>"
    When the team records <ingredient>
    Then the criterion "<criterion>" passes, with a reason mentioning "<why met>"

    Examples:
      | ingredient                                    | criterion                                       | why blocked                                 | why met                          |
      | a prioritized backlog                         | A prioritized backlog                           | 0 backlog items; at least 1 needed          | ranked backlog item              |
      | an accountable owner for every committed item | Every committed item has an accountable owner   | no committed backlog item                   | an accountable owner             |
      | a roadmap milestone                           | A roadmap with at least one milestone           | roadmap has 0 milestones; at least 1 needed | roadmap has 1 milestone          |
      | a VSM owner                                   | A VSM owner (ownership and accountability plan) | no VSM owner                                | the value stream has a VSM owner |

  Scenario: With everything its gate asks for, the transformation plan goes into execution
    Given a value stream in the transformation-plan phase with everything its gate asks for
    Then the gate passes, leading on to execution
    When the editor moves it on to execution
    Then the value stream is in execution
    And its history records the move from the transformation-plan phase to execution through a passing gate
