Feature: Iterating into a new cycle
  Execution is ongoing: the team executes the plan and measures improvements. When it
  is time to improve again, the team starts the next cycle, which begins at the
  current-state workshop. Only execution starts a new cycle, and only by starting it:
  moving back from execution to an earlier phase, with a reason, is an ordinary move
  within the cycle. The history and the earlier cycle's records are kept. What is done
  once (pre-planning, planning) carries over; what each cycle repeats (from the
  current-state workshop on) must be done again.

  Background:
    Given a value stream in execution after its first cycle, with the records of its current-state workshop and a sponsor's sign-off

  Scenario: From execution, the next cycle starts at the current-state workshop
    When the editor starts the next cycle
    Then the value stream is in the current-state phase, cycle 2
    And its history keeps every move of cycle 1 and ends with the start of cycle 2, from execution into the current-state phase
    And the portfolio shows it in the current-state phase, cycle 2

  Scenario: The next cycle's current state starts from the future state the team chose
    A new cycle maps the flow as it is now, and that is where the last cycle meant to
    arrive: its chosen desired-state map, copied in one step, steps and handoffs alike.
    Given its chosen desired-state map has these steps:
      | step  | wait time |
      | Order |           |
      | Check | 1 h       |
      | Ship  | 1 day     |
    When the editor starts the next cycle
    And the team starts the new current-state map from where the last cycle meant to arrive
    Then cycle 2 has a current-state map with the steps Order, Check and Ship
    And starting it again is refused: a cycle has one current-state map

  Scenario: Moving back from execution to the current-state workshop stays in the cycle
    When the editor moves it back to the current-state phase because "The release showed we mapped the wrong flow"
    Then the value stream is in the current-state phase, cycle 1
    And its history records a move back from execution to the current-state phase because "The release showed we mapped the wrong flow"
    And the portfolio shows it in the current-state phase, cycle 1
    And the gate passes, leading on to the desired-state phase

  Scenario: Moving back from execution needs a reason like any move back
    When the editor moves it back to the current-state phase without giving a reason
    Then the move is refused because it needs a reason
    And the value stream is still in execution, cycle 1

  Scenario: The earlier cycle's records are kept
    When the editor starts the next cycle
    Then cycle 1 still holds its readout summary and its action item

  Scenario: The current-state workshop is done again in the new cycle
    When the editor starts the next cycle
    Then the gate is blocked by "A current-state map whose every step has a role, a process time and a wait time", with a reason mentioning "no current-state map in this cycle"
    And the gate is blocked by "Readout summary", with a reason mentioning "readout summary is missing"
    And the gate is blocked by "Action items recorded", with a reason mentioning "0 action items recorded in current state this cycle"
    When the team records a complete current-state map
    And the team records a finished readout summary
    And the team records an action item
    Then the criterion "A current-state map whose every step has a role, a process time and a wait time" passes, with a reason mentioning "3 steps, each with role, process and wait time"
    And the criterion "Readout summary" passes, with a reason mentioning "readout summary is done"
    And the criterion "Action items recorded" passes, with a reason mentioning "1 action item recorded in current state this cycle"

  Scenario: What pre-planning produced carries over into the new cycle
    When the editor starts the next cycle
    And the editor moves it back to pre-planning because "A new sponsor wants to revisit the business case"
    Then the value stream is in pre-planning, cycle 2
    And the gate passes, leading on to planning

  Scenario: The sponsor signs off again in every cycle
    When the editor starts the next cycle
    And an admin forces it on to the desired-state phase, justified by "Maps are reviewed offline"
    Then the gate is blocked by "Sponsor sign-off (alignment and buy-in)", with a reason mentioning "no sponsor sign-off this cycle"
    When the team records a sponsor's sign-off
    Then the criterion "Sponsor sign-off (alignment and buy-in)" passes, with a reason mentioning "1 sponsor sign-off this cycle"

  Scenario: Only execution starts a new cycle
    When the editor starts the next cycle
    And the editor starts the next cycle
    Then the move is refused because only execution starts a new cycle
    And the value stream is still in the current-state phase, cycle 2
