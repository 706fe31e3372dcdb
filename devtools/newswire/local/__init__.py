"""Running the whole system on one machine: `newswire up` (the supervisor of the stages, the demo
and its report) and the commands of the development tooling. Not part of any production image."""
