"""A ChainerMN program on rechain: data-parallel training of the digits.

    mpirun -np 2 --allow-run-as-root python examples/distributed_digits.py

Run it again and it resumes from rank 0's snapshot (in result/).
"""

import rechain as chainer
import rechain.functions as F
import rechain.links as L
import rechain.distributed as chainermn
from rechain import training
from rechain.training import extensions

comm = chainermn.create_communicator('pure_nccl')  # any ChainerMN name; all are MPI here
model = L.Classifier(chainer.Sequential(L.Linear(64, 100), F.relu, L.Linear(100, 10)))
optimizer = chainermn.create_multi_node_optimizer(chainer.optimizers.Adam(), comm)
optimizer.setup(model)                             # rank 0's parameters go to every rank

train, test = chainer.datasets.get_digits() if comm.rank == 0 else (None, None)
train = chainermn.scatter_dataset(train, comm, shuffle=True, seed=0)
test = chainermn.scatter_dataset(test, comm)
train_iter = chainer.iterators.SerialIterator(train, 32)
test_iter = chainer.iterators.SerialIterator(test, 32, repeat=False, shuffle=False)

updater = training.updaters.StandardUpdater(train_iter, optimizer)
trainer = training.Trainer(updater, (5, 'epoch'), out='result')
trainer.extend(chainermn.create_multi_node_evaluator(
    extensions.Evaluator(test_iter, model), comm))   # the mean over the ranks
trainer.extend(chainermn.multi_node_snapshot(
    comm, extensions.snapshot(autoload=True), replica_sets=[]))  # rank 0 writes, all resume
if comm.rank == 0:
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PrintReport(['epoch', 'main/loss', 'validation/main/accuracy']))
trainer.run()
