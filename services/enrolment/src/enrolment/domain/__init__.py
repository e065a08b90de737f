"""Enrolment's pure domain: rules about officers, courses, offerings, enrolments, attendance
and completion. Standard library only: no Kafka, no database, no framework."""
