#!/usr/bin/env node
// Entry point of the kubefedctl binary (package.json bin): runs the command line and exits with its code.
import { run } from './cli.js';

process.exitCode = await run(process.argv.slice(2));
