/**
 * Prisma's spans (prisma:client:operation, its serialize/compile steps and each db_query with
 * its SQL). @prisma/instrumentation must have the same major version as @prisma/client: it
 * reads the tracing helper the client of that major version looks for. With client 6.19 it is
 * @prisma/instrumentation 6.19.x; when the client moves to 7.x, pin the same 7.x version here
 * in package.json (and check that its @opentelemetry/instrumentation dependency resolves to
 * the one the other instrumentations use, or npm installs a second copy).
 */
import { PrismaInstrumentation } from '@prisma/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';

export function prismaInstrumentation(): Instrumentation {
  return new PrismaInstrumentation();
}
