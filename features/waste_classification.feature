Feature: Waste suggested by the classifier
  In the current-state workshop the team looks for the practice's kinds of waste in its
  map: delays, transportation across silos, defects and rework, manual activities,
  management activities, inventory, over-processing, unnecessary motion, non-utilized
  talent and over-production. The built-in classifier suggests waste from the map's own
  numbers. Each suggestion names the step or handoff and gives its evidence (the
  numbers and the threshold that triggered it), so the facilitator can confirm or
  dismiss it in the room. People decide: a suggestion once triaged is never suggested
  again, and a dismissed one stays dismissed with its reason. A kind of waste at one step
  or handoff is one suggestion, whichever rules saw it, each rule stated in words; the
  suggestions come most telling first, so a large map's triage starts where it matters.

  Background:
    Given a new value stream

  Scenario: Delays: work that waits far longer than it is worked on
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Approve | 1 h          | 4 h       |
      | Test    | 2 h          | 6 h       |
      | Build   | 4 h          | 4 h       |
    When the classifier analyzes the map
    Then it suggests delays at "Approve", because "wait 4 h is 4x the process time 1 h; threshold: wait above 3x process time"
    And it suggests no delays at "Test": its wait is 3 times its process time, not more
    And it suggests no delays at "Build": its wait equals its process time

  Scenario: Delays: the bottleneck of the flow
    Given its current-state map has these steps:
      | step   | process time | wait time |
      | Plan   | 1 h          | 1 h       |
      | Review | 4 h          | 2 h       |
    When the classifier analyzes the map
    Then it suggests delays at "Review", because "'Review' takes 6 h of the 8 h lead time (75%); threshold: more than 50% of lead time"
    And it suggests no delays at "Plan": it takes a quarter of the lead time

  Scenario: Transportation: work crossing from one team to another
    Given its current-state map has these steps:
      | step | team     | process time | wait time |
      | Code | Delivery | 2 h          | 1 h       |
      | Test | Quality  | 1 h          | 1 h       |
      | Ship | Quality  | 1 h          | 0 h       |
    And work flows between them like this:
      | from | to   | across teams |
      | Code | Test | yes          |
      | Test | Ship | no           |
    When the classifier analyzes the map
    Then it suggests transportation on the handoff from "Code" to "Test", because "crosses teams (team Delivery to team Quality); 1 of 2 handoffs in this map cross teams"
    And it suggests no transportation on the handoff from "Test" to "Ship": the work stays in one team

  Scenario: Defects and rework: output that is often not complete and accurate
    Given its current-state map has these steps:
      | step    | process time | wait time | %C&A |
      | Specify | 1 h          | 1 h       | 70   |
      | Code    | 2 h          | 1 h       | 80   |
    When the classifier analyzes the map
    Then it suggests defects and rework at "Specify", because "%C&A 70% is below the threshold of 80%; rework process 1 h x 10 runs/week x 1 person x 30% = 3 h/week"
    And it suggests no defects and rework at "Code": its %C&A of 80% meets the threshold

  Scenario: Manual activities: a person doing a pipeline's job
    Given its current-state map has these steps:
      | step                | process time | wait time | CI/CD stage | automated |
      | Deploy to staging   | 1 h          | 0 h       | yes         | no        |
      | Run unit tests      | 0.5 h        | 0 h       | yes         | yes       |
      | Write release notes | 1 h          | 0 h       | no          | no        |
    When the classifier analyzes the map
    Then it suggests manual activities at "Deploy to staging", because "manual step in a CI/CD stage; process 1 h x 10 runs/week x 1 person = 10 h/week"
    And it suggests no manual activities at "Run unit tests": the pipeline runs them
    And it suggests no manual activities at "Write release notes": it is no pipeline stage

  Scenario: Management activities: status and approval steps
    Given its current-state map has these steps:
      | step                  | process time | wait time |
      | Weekly status meeting | 1 h          | 0 h       |
      | Release approval      | 1 h          | 0 h       |
      | Statistics export     | 1 h          | 0 h       |
      | Code review           | 1 h          | 0 h       |
    When the classifier analyzes the map
    Then it suggests management activities at "Weekly status meeting", because "matches 1 of the 8 management words ('status')"
    And it suggests management activities at "Release approval", because "matches 1 of the 8 management words ('approval')"
    And it suggests no management activities at "Statistics export": statistics are not a status
    And it suggests no management activities at "Code review": reviewing code is the work itself

  Scenario: Inventory: a large queue before a step
    Given its current-state map has these steps:
      | step   | process time | wait time | queue |
      | Test   | 1 h          | 1 h       | 12    |
      | Deploy | 1 h          | 1 h       | 9     |
    When the classifier analyzes the map
    Then it suggests inventory at "Test", because "queue of 12 items before 'Test' is at or above the threshold of 10"
    And it suggests no inventory at "Deploy": its queue of 9 is under the threshold

  Scenario: Over-processing: the same artifact made twice, with the same tool
    Given its current-state map has these steps:
      | step                | process time | wait time | artifacts        | tools      |
      | Write requirements  | 2 h          | 0 h       | requirements doc | Confluence |
      | Design              | 2 h          | 0 h       | design doc       | Miro       |
      | Refine requirements | 2 h          | 0 h       | requirements doc | Confluence |
    When the classifier analyzes the map
    Then it suggests over-processing at "Refine requirements", because "'requirements doc' is produced by 2 steps, first by 'Write requirements'"
    And it suggests no over-processing at "Write requirements": it made the original
    And it suggests no over-processing at "Design": its design doc is made once

  Scenario: Unnecessary motion: switching between many tools
    Given its current-state map has these steps:
      | step   | process time | wait time | tools                     |
      | Triage | 1 h          | 0 h       | Jira, Slack, Email, Excel |
      | Fix    | 1 h          | 0 h       | IDE, Git, Jira            |
    When the classifier analyzes the map
    Then it suggests unnecessary motion at "Triage", because "'Triage' uses 4 tools (Jira, Slack, Email, Excel); threshold: 4 tools"
    And it suggests no unnecessary motion at "Fix": it uses 3 tools

  Scenario: Unnecessary motion: a role pulled back into the flow again and again
    Given its current-state map has these steps:
      | step     | role      | process time | wait time |
      | Code     | Developer | 1 h          | 0 h       |
      | Test     | Tester    | 1 h          | 0 h       |
      | Fix      | Developer | 1 h          | 0 h       |
      | Retest   | Tester    | 1 h          | 0 h       |
      | Fix more | Developer | 1 h          | 0 h       |
      | Verify   | Tester    | 1 h          | 0 h       |
      | Merge    | Developer | 1 h          | 0 h       |
    When the classifier analyzes the map
    Then it suggests unnecessary motion at "Code", because "role 'Developer' works in 4 non-consecutive stretches"
    And it suggests no unnecessary motion at "Test": the tester comes back only 3 times

  Scenario: Non-utilized talent: many people on work that adds no value
    Given its current-state map has these steps:
      | step                    | role   | people | value                     | process time | wait time |
      | Manual regression       | Tester | 4      | unnecessary non-value-add | 2 h          | 0 h       |
      | Fill in the change form | Tester | 2      | unnecessary non-value-add | 1 h          | 0 h       |
    When the classifier analyzes the map
    Then it suggests non-utilized talent at "Manual regression", because "4 people on an unnecessary non-value-add step; threshold: 3 people"
    And it suggests no non-utilized talent at "Fill in the change form": 2 people are under the threshold

  Scenario: Over-production: output nobody downstream uses
    Given its current-state map has these steps:
      | step                | value                     | artifacts    | process time | wait time |
      | Write spec          | unnecessary non-value-add | spec         | 1 h          | 0 h       |
      | Weekly metrics deck | unnecessary non-value-add | metrics deck | 1 h          | 0 h       |
      | Build               | value-add                 |              | 2 h          | 0 h       |
    And work flows between them like this:
      | from                | to    | carrying |
      | Write spec          | Build | spec     |
      | Weekly metrics deck | Build |          |
    When the classifier analyzes the map
    Then it suggests over-production at "Weekly metrics deck", because "produces 1 artifact(s) ('metrics deck') but none of its 1 outgoing handoffs carries it"
    And it suggests no over-production at "Write spec": the build takes the spec

  Scenario: Two rules that see the same waste at one step make one suggestion
    The team decides once about the delays at "Approve", and reads every rule that saw them.
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Approve | 1 h          | 9 h       |
      | Release | 1 h          | 1 h       |
    When the classifier analyzes the map
    Then it suggests delays at "Approve" once, found by these rules:
      | rule                        | in words                                                                                 |
      | delays.wait_exceeds_process | Work that waits more than 3x its process time at a step is a delay.                      |
      | delays.bottleneck           | A step of the critical path that takes more than 50% of the lead time is the bottleneck. |

  Scenario: The most telling waste comes first
    A manual deployment costs 40 hours a week for sure; rework at "Specify" costs 3 hours a
    week; the wait at "Hand over" costs lead time, not people's hours.
    Given its current-state map has these steps:
      | step              | process time | wait time | %C&A | CI/CD stage | automated |
      | Hand over         | 1 h          | 4 h       | 100  | no          | no        |
      | Specify           | 1 h          | 0 h       | 70   | no          | no        |
      | Deploy to staging | 4 h          | 0 h       | 100  | yes         | no        |
    When the classifier analyzes the map
    Then the suggestions come in this order:
      | waste              | at                |
      | manual activities  | Deploy to staging |
      | defects and rework | Specify           |
      | delays             | Hand over         |

  Scenario: Running the classifier again does not repeat what people decided
    Two delays and an approval step are suggested, then decided by the team.
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Approve | 1 h          | 4 h       |
      | Test    | 1 h          | 5 h       |
      | Release | 1 h          | 1 h       |
    And the classifier has analyzed the map
    And the team has confirmed every suggestion
    When the classifier analyzes the map again
    Then it suggests nothing new, and says 3 suggestions were already known
    And the map has 3 findings, all triaged

  Scenario: A dismissed suggestion stays dismissed
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Approve | 1 h          | 4 h       |
      | Release | 1 h          | 1 h       |
    And the classifier has analyzed the map
    And the team has dismissed the delays at "Approve" because "Legal requires the four-eyes wait"
    When the classifier analyzes the map again
    Then the delays at "Approve" are still dismissed, because "Legal requires the four-eyes wait"
    And "Approve" has no other finding of delays

  Scenario: Dismissing a suggestion needs a reason
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Approve | 1 h          | 4 h       |
      | Release | 1 h          | 1 h       |
    And the classifier has analyzed the map
    When the team dismisses the delays at "Approve" without giving a reason
    Then the dismissal is refused because it needs a reason
    And the delays at "Approve" are still suggested

  Scenario: A threshold tuned in the classifier's configuration changes what it suggests
    Given the classifier is configured to count a wait as a delay only above 5 times the process time
    And its current-state map has these steps:
      | step      | process time | wait time |
      | Approve   | 1 h          | 4 h       |
      | Hand over | 1 h          | 6 h       |
    When the classifier analyzes the map
    Then it suggests delays at "Hand over", because "wait 6 h is 6x the process time 1 h; threshold: wait above 5x process time"
    And it suggests no delays at "Approve": its wait is 4 times its process time, under the tuned threshold of 5
