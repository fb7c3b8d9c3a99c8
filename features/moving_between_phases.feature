Feature: Moving between phases
  A value stream leaves a phase forward only when its gate passes, and one phase at a
  time. Moving back is allowed, with a reason, and stays in the same cycle. An admin may
  force a blocked move with a written justification, which the history keeps together
  with the gate as it stood at that moment; a justification given for a move whose gate
  passed anyway is kept as well, and the move is not counted as forced. Editors run the
  engagement; viewers only look.

  Scenario: Moving back to an earlier phase, with a reason
    Given a value stream that has left pre-planning through its gate
    When the editor moves it back to pre-planning because "The business case needs rework after the budget review"
    Then the value stream is in pre-planning
    And its history records a move back from planning to pre-planning because "The business case needs rework after the budget review"

  Scenario: Moving back without a reason is refused
    Given a value stream that has left pre-planning through its gate
    When the editor moves it back to pre-planning without giving a reason
    Then the move is refused because it needs a reason
    And the value stream is still in planning

  Scenario: An admin forces a blocked move with a written justification
    Given a new value stream
    When an admin forces it on to planning, justified by "The steering committee accepts the open risks"
    Then the value stream is in planning
    And its history records a forced move from pre-planning to planning, justified by "The steering committee accepts the open risks"
    And its history keeps the pre-planning gate as it stood at that moment, blocked by "A sponsor"

  Scenario: An admin's justification is kept even when the gate passed anyway
    Given a value stream in pre-planning with everything its gate asks for
    When an admin forces it on to planning, justified by "The steering committee approved the plan"
    Then the value stream is in planning
    And its history records the move from pre-planning to planning through a passing gate, not as forced, with the justification "The steering committee approved the plan"

  Scenario: Moving back keeps the value stream in its cycle
    Given a value stream in the desired-state phase
    When the editor moves it back to the current-state phase because "The map missed the approval loop"
    Then the value stream is in the current-state phase, cycle 1
    And its history records a move back from the desired-state phase to the current-state phase because "The map missed the approval loop"

  Scenario: An editor may not force a blocked move
    Given a new value stream
    When the editor forces it on to planning, justified by "We are in a hurry"
    Then the move is refused because only an admin may force it
    And the value stream is still in pre-planning
    And its history is empty

  Scenario: An admin cannot force a move without a written justification
    Given a new value stream
    When an admin forces it on to planning without a justification
    Then the move is refused because it needs a written justification
    And the value stream is still in pre-planning

  Scenario: A blocked move is refused and leaves no trace
    Given a new value stream
    When the editor moves it on to planning
    Then the move is refused because the gate is blocked by "Business case (the WHY)"
    And the value stream is still in pre-planning
    And its history is empty

  Scenario: Phases are left one at a time, even when the gate passes
    Given a value stream in pre-planning with everything its gate asks for
    When the editor moves it on to the current-state phase
    Then the move is refused because phases are left one at a time, the next being planning
    And the value stream is still in pre-planning

  Scenario: An admin may skip a phase by forcing it, with a justification
    Given a value stream in pre-planning with everything its gate asks for
    When an admin forces it on to the current-state phase, justified by "Planning was done in the previous program increment"
    Then the value stream is in the current-state phase
    And its history records a forced move from pre-planning to the current-state phase, justified by "Planning was done in the previous program increment"

  Scenario: An editor may not skip a phase, even with a justification
    Given a value stream in pre-planning with everything its gate asks for
    When the editor forces it on to the current-state phase, justified by "Planning was done elsewhere"
    Then the move is refused because only an admin may force it
    And the value stream is still in pre-planning

  Scenario: A viewer may not move a value stream
    Given a value stream in pre-planning with everything its gate asks for
    When the viewer moves it on to planning
    Then the move is refused because a viewer may only look
    And the value stream is still in pre-planning

  Scenario: A value stream cannot move to a phase the playbook does not have
    Given a new value stream
    When the editor moves it to "deployment", a phase the playbook does not have
    Then the move is refused because "deployment" is not a phase of the playbook
    And the value stream is still in pre-planning

  Scenario: A move decided on an outdated view of the value stream is refused
    Given a value stream in pre-planning with everything its gate asks for
    And the editor has read the value stream
    And an admin has renamed the value stream since
    When the editor moves it on to planning, as of what they read
    Then the move is refused because the value stream changed since the editor read it
    And the value stream is still in pre-planning

  Scenario: A value stream already in a phase cannot move into it again
    Given a new value stream
    When an admin forces it on to pre-planning, justified by "Restart the clock"
    Then the move is refused because the value stream is already in pre-planning
