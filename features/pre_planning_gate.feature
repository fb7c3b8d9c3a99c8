Feature: Leaving pre-planning
  Pre-planning prepares for engaging the planning stakeholders. Before a value stream
  moves on to planning, its core team of champions must hold a technology manager and a
  business stakeholder; it needs a sponsor, the business case (the WHY), draft goals and
  purpose, the expected benefits, a draft risk log, a training strategy, and draft
  business and delivery metrics. Every criterion of the gate says why it passes or
  blocks, so a PMO can see what holds a value stream back.

  Scenario: A new value stream starts in pre-planning, and every criterion says what is missing
    Given a new value stream
    Then the value stream is in pre-planning, cycle 1
    And the gate blocks on every criterion, each with its reason:
      | criterion                                                                            | reason                                                          |
      | Core team of champions with a technology-manager and a business-stakeholder champion | no champion of kind technology manager and business stakeholder |
      | A sponsor                                                                            | 0 sponsors recorded; at least 1 needed                          |
      | Business case (the WHY)                                                              | business case is missing; it must be done                       |
      | Draft goals and purpose                                                              | goals and purpose is missing; it must be at least draft         |
      | Expected business and organizational benefits                                        | expected benefits is missing; it must be at least draft         |
      | Draft risk log with at least one risk                                                | risk log holds 0 risks; at least 1 needed                       |
      | Training strategy                                                                    | training strategy is missing; it must be at least draft         |
      | Draft business and delivery metrics                                                  | draft metrics is missing; it must be at least draft             |

  Scenario: With everything its gate asks for, the value stream moves on to planning
    Given a value stream in pre-planning with everything its gate asks for
    Then the gate passes, leading on to planning
    When the editor moves it on to planning
    Then the value stream is in planning
    And its history records the move from pre-planning to planning through a passing gate

  Scenario Outline: Leaving pre-planning waits for <ingredient>
    Given a value stream in pre-planning with everything its gate asks for except <ingredient>
    Then the gate is blocked by "<criterion>", with a reason mentioning "<why blocked>"
    And the editor cannot move it on to planning: the gate is blocked by "<criterion>"
    When the team records <ingredient>
    Then the criterion "<criterion>" passes, with a reason mentioning "<why met>"
    And the gate passes, leading on to planning

    Examples:
      | ingredient                          | criterion                                                                            | why blocked                                             | why met                                             |
      | a technology-manager champion       | Core team of champions with a technology-manager and a business-stakeholder champion | no champion of kind technology manager                  | champions: technology manager, business stakeholder |
      | a business-stakeholder champion     | Core team of champions with a technology-manager and a business-stakeholder champion | no champion of kind business stakeholder                | champions: technology manager, business stakeholder |
      | a sponsor                           | A sponsor                                                                            | 0 sponsors recorded; at least 1 needed                  | 1 sponsor recorded                                  |
      | a finished business case            | Business case (the WHY)                                                              | business case is missing; it must be done               | business case is done                               |
      | draft goals and purpose             | Draft goals and purpose                                                              | goals and purpose is missing; it must be at least draft | goals and purpose is draft                          |
      | draft expected benefits             | Expected business and organizational benefits                                        | expected benefits is missing; it must be at least draft | expected benefits is draft                          |
      | a risk in the risk log              | Draft risk log with at least one risk                                                | risk log holds 0 risks; at least 1 needed               | risk log holds 1 risk                               |
      | a draft training strategy           | Training strategy                                                                    | training strategy is missing; it must be at least draft | training strategy is draft                          |
      | draft business and delivery metrics | Draft business and delivery metrics                                                  | draft metrics is missing; it must be at least draft     | draft metrics is draft                              |

  Scenario: A business case that is only drafted does not explain the WHY well enough
    Given a value stream in pre-planning with everything its gate asks for
    But its business case is only a draft
    Then the gate is blocked by "Business case (the WHY)", with a reason mentioning "business case is draft; it must be done"
    And the editor cannot move it on to planning: the gate is blocked by "Business case (the WHY)"

  Scenario: Two champions of the same kind do not make a core team
    Given a value stream in pre-planning with everything its gate asks for except a business-stakeholder champion
    When the team records a technology-manager champion
    Then the gate is blocked by "Core team of champions with a technology-manager and a business-stakeholder champion", with a reason mentioning "no champion of kind business stakeholder"
