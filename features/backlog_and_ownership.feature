Feature: The transformation backlog and who owns it
  The transformation plan turns what the workshops found into a backlog, ranked by the
  team. Weighted shortest job first (WSJF) helps to rank it: the cost of delay (business
  value + time criticality + risk reduction) divided by the job size. Moving an item
  changes its own place and nobody else's. Every committed item (ready, in progress,
  blocked or done) has exactly one accountable owner, the A of its RACI: with none
  nobody answers for it, with two each can assume the other does. Items may depend on
  one another, never in a circle. A roadmap milestone shows how much of its work is done.
  An item may promise an effect on a flow or map metric; once it is done, the change
  measured over equal windows before and after it stands beside the promise. The pace
  at which items get done forecasts when the rest of the backlog will be.

  Background:
    Given a new value stream

  Scenario: Weighted shortest job first, worked out
    Given the backlog holds these items:
      | item                      | business value | time criticality | risk reduction | job size |
      | Shorten the approval wait | 8              | 5                | 3              | 8        |
      | Automate the release      | 20             | 13               | 8              | 5        |
      | Train the testers         | 5              | 3                | 2              | 2        |
    Then their WSJF is:
      | item                      | WSJF |
      | Shorten the approval wait | 2.0  |
      | Automate the release      | 8.2  |
      | Train the testers         | 5.0  |
    And ordered by WSJF, the backlog reads "Automate the release", "Train the testers" and "Shorten the approval wait"
    And in the team's own ranking, the backlog reads "Shorten the approval wait", "Automate the release" and "Train the testers"

  Scenario: An item not fully scored has no WSJF yet, and comes last by WSJF
    Given the backlog holds these items:
      | item                      | business value | time criticality | risk reduction | job size |
      | Shorten the approval wait | 8              | 5                | 3              |          |
      | Automate the release      | 20             | 13               | 8              | 5        |
    Then their WSJF is:
      | item                      | WSJF |
      | Shorten the approval wait | none |
      | Automate the release      | 8.2  |
    And ordered by WSJF, the backlog reads "Automate the release" and "Shorten the approval wait"

  Scenario: Moving an item changes its own place and nobody else's
    Given the backlog holds "Shorten the approval wait", "Automate the release" and "Train the testers"
    When the team moves "Train the testers" to just after "Shorten the approval wait"
    Then in the team's own ranking, the backlog reads "Shorten the approval wait", "Train the testers" and "Automate the release"
    And only "Train the testers" changed its place: the others kept theirs
    When the team moves "Automate the release" to the top
    Then in the team's own ranking, the backlog reads "Automate the release", "Shorten the approval wait" and "Train the testers"

  Scenario: A committed item needs its accountable owner
    Given the backlog holds "Automate the release"
    When the team commits "Automate the release" without naming who is accountable
    Then it is refused because a committed item needs its accountable owner
    And "Automate the release" is still proposed
    When the team commits "Automate the release" with Olga accountable
    Then "Automate the release" is ready
    And Olga is the only accountable person for "Automate the release"

  Scenario: An item has one accountable person, never two
    Given the backlog holds "Automate the release", committed with Olga accountable
    When the team makes Pat accountable for "Automate the release" as well
    Then it is refused because the item already has an accountable person
    And Olga is still the only accountable person for "Automate the release"
    When the team makes Pat responsible for "Automate the release"
    Then "Automate the release" has Olga accountable and Pat responsible

  Scenario: The accountable person of a committed item cannot just be removed
    Given the backlog holds "Automate the release", committed with Olga accountable
    When the team removes Olga's accountability for "Automate the release"
    Then it is refused because a committed item keeps its accountable person
    And Olga is still the only accountable person for "Automate the release"

  Scenario: A committed item changes hands by naming its new owner
    Given the backlog holds "Automate the release", committed with Olga accountable
    When the team makes Pat the owner of "Automate the release"
    Then Pat is the only accountable person for "Automate the release"

  Scenario: Dependencies never go round in a circle
    Given the backlog holds "Automate the release", "Build a pipeline" and "Choose a CI server"
    And "Automate the release" depends on "Build a pipeline"
    And "Build a pipeline" depends on "Choose a CI server"
    When the team makes "Choose a CI server" depend on "Automate the release"
    Then it is refused because the dependency would make a cycle
    And "Choose a CI server" depends on nothing
    And "Automate the release" depends on "Build a pipeline"

  Scenario: A milestone is as far along as the share of its items done
    Given the roadmap has the milestone "Release automation live"
    And these items are planned for "Release automation live":
      | item                 | status      |
      | Automate the release | done        |
      | Build a pipeline     | done        |
      | Choose a CI server   | in progress |
      | Train the testers    | proposed    |
    Then "Release automation live" is 50% done, 2 of 4 items

  Scenario: A dropped item no longer counts towards its milestone
    Given the roadmap has the milestone "Release automation live"
    And these items are planned for "Release automation live":
      | item                 | status   |
      | Automate the release | done     |
      | Build a pipeline     | done     |
      | Choose a CI server   | dropped  |
      | Train the testers    | proposed |
    Then "Release automation live" is 66.7% done, 2 of 3 items

  Scenario: A done item shows the change it made beside the change it promised
    Given the backlog holds "Deploy on every merge", expected to raise the deployment frequency by 1 deployments per day
    And the pipeline deployed every other day over the last 30 days
    When the team marks "Deploy on every merge" done with Olga accountable
    Then the change "Deploy on every merge" made to the deployment frequency awaits the 30 days after it
    When 30 days have passed
    And the pipeline reports deploying 3 times every 2 days since "Deploy on every merge" was done
    Then "Deploy on every merge" moved the deployment frequency from 0.5 to 1.5 deployments per day, a change of 1: 100% of the promise

  Scenario: The pace of the backlog forecasts when the rest of it is done
    Given the team got 2 backlog items done on each of the last 3 days
    And 4 more items are still open and 1 was dropped
    When the team asks when the open items of the backlog will be done, from the last 3 days
    Then the forecast counts 4 open items
    And at 85% confidence they are done within 2 days
