"""Tests of the deployment files: Dockerfile, docker-compose.yml and the Kibana saved objects."""
