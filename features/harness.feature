@harness
Feature: One suite, any target
  The same feature files run against the embedded simulators, against systems named by URL, or a
  mix; what a target cannot serve is skipped with the reason; every run leaves reports behind.
  These behaviours are the harness's own (H-*), not the vendor documents'. Each scenario runs
  the suite itself, in a separate pytest process, against simulators served as separate
  processes.

  Background:
    Given both simulators are served as separate processes

  @h_tgt_1
  Scenario: The same scenarios pass against embedded simulators, served ones, and a mix
    When the Require Login scenarios for UniView credentials run against the embedded simulators
    Then every one of them passes
    When the same scenarios run against a target file naming the served simulators
    Then every one of them passes
    When the same scenarios run against the served KaseyaOne with UniView embedded
    Then every one of them passes

  @h_tgt_2
  Scenario: A scenario needing what the target cannot give is skipped with the reason
    When the Require Login scenarios for UniView credentials run against a UniView target without a control plane
    Then every one of them is skipped because "needs seeding, which uniview on target 'no-control-plane' does not offer"

  @h_tgt_2 @h_tgt_1
  Scenario: Against systems without a control plane, the scenarios that need none still run
    When the provider checks and the Require Login scenarios for UniView credentials run against a target without any control plane
    Then the provider checks pass and the others are skipped because "needs seeding"

  @h_tgt_3
  Scenario: Destructive scenarios stay off a deployment unless allowed
    When the scenarios turning Log In with KaseyaOne off run against a target file naming the served simulators
    Then every one of them is skipped because "destructive"
    When they run there again with destructive scenarios allowed
    Then every one of them passes

  @h_iso_1
  Scenario: Scenarios run in parallel against served simulators without touching each other
    When the Require Login feature runs on two processes against the served simulators
    Then every one of them passes

  @h_rep_1
  Scenario: A run writes Cucumber JSON, JUnit XML and a coverage matrix
    When the Require Login scenarios for UniView credentials run against the embedded simulators
    Then the run left a Cucumber JSON report, a JUnit XML report and a coverage matrix
    And the coverage matrix lists "UV-REQ-4" with a passing scenario
