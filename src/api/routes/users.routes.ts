/**
 * POST /users: users are made by the one function that creates them (src/auth/users.ts), as
 * npm run create-admin, the seed and the tests' factories make them: the password hashed before
 * the transaction opens, the same `user.created` event. Everything else about /users is the
 * generic routes' (src/api/routes/resource.routes.ts); these are mounted before them.
 */
import { Router } from 'express';
import { insertUser, prepareUser, type NewUser, type PreparedUser } from '../../auth/users';
import type { ResourceService } from '../../resources/service';
import { access } from '../access';
import { createFrom, type Creation, type ResourceRouteDeps } from './resource.routes';

const creation: Creation<PreparedUser> = {
  // The rows passed the users resource's create schema (src/models/user.model.ts).
  prepare: (rows) => Promise.all(rows.map((row) => prepareUser(row as unknown as NewUser))),
  async insert(tx, p, prepared) {
    const created = [];
    for (const user of prepared) created.push(await insertUser(tx, user, p.userId));
    return created;
  },
};

export function userRoutes(users: ResourceService, deps: ResourceRouteDeps): Router {
  const router = Router();
  router.post(`/${users.d.name}`, access('admin'), (req, res) => createFrom(users, deps, req, res, {}, creation));
  return router;
}
