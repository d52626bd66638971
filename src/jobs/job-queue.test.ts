import { jobQueueConformance } from './job-queue.conformance.js';

jobQueueConformance('sqlite');
jobQueueConformance('postgres');
