// The entry of the "required libraries alone" bundle (test/bench/runtime-baseline.ts): the libraries the project
// must use, imported as the controller-manager imports them and bundled as dist/main.js is, and nothing else.
// It prints its own RSS once loaded and collected: what any controller built on them holds before it does any
// work, the floor under the controller-manager's "RSS right after start".
import { KubeConfig } from '@kubernetes/client-node';
import express from 'express';
import * as jsonpatch from 'fast-json-patch';
import yaml from 'js-yaml';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';

const kept = [new KubeConfig(), express(), z.object({ name: z.string() }), pino({ level: 'silent' }), new Registry(), yaml.load, jsonpatch.applyPatch];
await new Promise((resolve) => setTimeout(resolve, 1_000));
(globalThis as { gc?: () => void }).gc?.();
await new Promise((resolve) => setTimeout(resolve, 500));
process.stdout.write(`${JSON.stringify({ rssMiB: process.memoryUsage().rss / 2 ** 20, kept: kept.length })}\n`);
