Feature: Demand, capacity, rework and what waste costs the flow
  Learning to See (Rother & Shook, 1999) draws a data box under every process: its cycle
  time, changeover, uptime, and the inventory waiting in front of it, and one for the
  customer: what they take and the working time there is to make it. Takt time is that
  working time over the demand. A step's capacity is the working time over its cycle time,
  derated by its uptime; the step that cannot keep up with demand is the constraint. It is
  not necessarily the step behind the longest queue, which is where work waits longest.
  Inventory counted in units waits as many days as it takes the customer to use it up.

  Percent complete and accurate (%C&A) says how often a step's work has to be done again.
  A rework loop sends work from a later step back to an earlier one; the lead time leaves
  it out, and the expected rework says what it and every step's %C&A add on average.
  Waste is ranked by what it costs the flow before the people-hours it takes.

  Background:
    Given a new value stream

  Scenario: Acme Stamping: the constraint is the cell that cannot keep up, not the longest queue
    Given its current-state map serves a customer demand of 18400 brackets a month of 20 working days, in 2 shifts of 8 hours with 20 minutes of breaks each, and has these steps:
      | step        | cycle time | uptime | inventory | wait time | process time |
      | Stamping    | 1 s        | 85     |           | 5 days    | 1 s          |
      | S. Weld #1  | 39 s       | 100    | 7000      |           | 39 s         |
      | S. Weld #2  | 46 s       | 80     | 1700      |           | 46 s         |
      | Assembly #1 | 62 s       | 100    | 2450      |           | 62 s         |
      | Assembly #2 | 40 s       | 100    | 1840      |           | 40 s         |
      | Shipping    |            |        | 4140      |           | 0 s          |
    Then the takt time is 60 seconds
    And the constraint is "Assembly #1", which makes 890 brackets a day against a demand of 920
    And the longest queue is "S. Weld #1", behind 7.6 days of inventory
    And the map's lead time is 23.6 days for 188 seconds of processing

  Scenario: When every step keeps up, the constraint is the one with the least capacity
    Given its current-state map serves a customer demand of 100 units a month of 20 working days, in 1 shifts of 8 hours with 0 minutes of breaks each, and has these steps:
      | step    | cycle time | uptime |
      | Prepare | 30 min     | 100    |
      | Check   | 20 min     | 50     |
    Then the constraint is "Check", which makes 12 units a day against a demand of 5

  Scenario: Work sent back to an earlier step is a rework loop, and adds expected rework
    Given its current-state map has these steps:
      | step  | process time | wait time | %C&A |
      | Build | 1 h          | 2 h       | 90   |
      | Test  | 1 h          | 4 h       | 75   |
    When the team marks a handoff from "Test" back to "Build" as rework, after a wait of 1 h
    Then the rework loop sends back 25% of the work, what "Test" gets wrong
    Then the map's lead time is 8 hours
    And the expected rework is 2.55 hours, so the lead time with rework is 10.55 hours

  Scenario: A 14-day wait costs the flow more than a 20-minute manual step
    Given its current-state map has these steps:
      | step    | process time | wait time | automated |
      | Request | 10 min       | 0 h       | yes       |
      | Approve | 1 h          | 14 days   | no        |
      | Key in  | 20 min       | 0 h       | no        |
    And the team recorded this waste:
      | step    | waste                 | finding                        | people-hours per week |
      | Key in  | manual activities     | Orders keyed in by hand        | 40                    |
      | Approve | delays                | Approval waits for the board   | 1                     |
      | Request | management activities | Status report on every request | 4                     |
    Then the waste ranked by what it costs the flow reads:
      | finding                        | wait on the critical path | people-hours per week |
      | Approval waits for the board   | 14 days                   | 1                     |
      | Orders keyed in by hand        | 0 days                    | 40                    |
      | Status report on every request | 0 days                    | 4                     |
