import { algoCreate, algoFields, algoUpdate } from '../models/algo.model';
import { defineResource } from './descriptor';

/** Algorithms: every signed-in user reads them all; owners (and admins) change them. (name, version) is unique (409). */
export const algos = defineResource({
  name: 'algos',
  label: 'algo',
  entityType: 'algo',
  model: 'Algo',
  fields: algoFields,
  ownership: 'sharedRead',
  ownerField: 'ownerId',
  relations: { owner: { resource: 'users' } },
  create: algoCreate,
  update: algoUpdate,
});
